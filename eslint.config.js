import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'web/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration through server/config.ts.' },
      ],
    },
  },
  {
    files: [
      'server/config.ts',
      'test/**',
      '**/*.test.ts',
      'vitest.config.ts',
      'bench/**',
      'e2e/**',
      'cli/**',
      'simulator/main.ts',
    ],
    rules: { 'no-restricted-properties': 'off' },
  },
);
