import { defineConfig } from 'vitest/config';

/**
 * Test projects:
 * - unit: pure code and loopback HTTP (provider client against the simulator), no database.
 * - int-pglite: integration tests through app.inject() on a fresh embedded PGlite per file.
 * - int-pg: the same files on a real PostgreSQL (one database per file, cloned from a migrated
 *   template), only when TEST_DATABASE_URL is set.
 * - e2e: the built web app in Chromium against the real server and simulator (see
 *   e2e/global-setup.ts); skipped, saying why, when Chromium is missing.
 */
const hasPg = Boolean(process.env.TEST_DATABASE_URL);
if (!hasPg && !process.env.VITEST_WORKER_ID) {
  console.log(
    '[vitest] TEST_DATABASE_URL is not set: the int-pg project is skipped (integration tests run on PGlite only).',
  );
}

const intInclude = ['server/**/*.int.test.ts', 'test/**/*.int.test.ts', 'cli/**/*.int.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'server/**/*.test.ts',
            'common/**/*.test.ts',
            'simulator/**/*.test.ts',
            'cli/**/*.test.ts',
            'web/**/*.test.ts',
          ],
          exclude: ['**/*.int.test.ts', 'node_modules/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'int-pglite',
          include: intInclude,
          env: { TEST_DB: 'pglite' },
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['e2e/**/*.e2e.test.ts'],
          env: { TEST_DB: 'pglite' },
          globalSetup: ['e2e/global-setup.ts'],
          testTimeout: 90_000,
          hookTimeout: 120_000,
        },
      },
      ...(hasPg
        ? [
            {
              extends: true as const,
              test: {
                name: 'int-pg',
                include: intInclude,
                env: { TEST_DB: 'pg' },
                globalSetup: ['test/pg-global-setup.ts'],
              },
            },
          ]
        : []),
    ],
  },
});
