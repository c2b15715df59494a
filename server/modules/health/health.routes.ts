import { z } from 'zod';
import type { AppContext } from '../../context.js';
import type { App } from '../../http.js';
import { ServiceUnavailable } from '../../errors.js';
import { ErrorBody } from '../../../common/schemas/common.js';
import { migrationStatus, type Migration } from '../../db/migrate.js';

const Health = z.object({ status: z.literal('ok') });
const Ready = z.object({
  status: z.literal('ready'),
  database: z.enum(['pg', 'pglite']),
  migration: z.number(),
});

export function registerHealthRoutes(app: App, ctx: AppContext, migrations: Migration[]): void {
  app.get(
    '/api/healthz',
    {
      schema: { tags: ['health'], summary: 'The process is alive', security: [], response: { 200: Health } },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/api/readyz',
    {
      schema: {
        tags: ['health'],
        summary: 'The database is reachable and its schema current',
        security: [],
        response: { 200: Ready, 503: ErrorBody },
      },
    },
    async () => {
      let status;
      try {
        status = await migrationStatus(ctx.database, migrations);
      } catch {
        throw new ServiceUnavailable('The database cannot be reached.');
      }
      if (status.current !== status.expected) {
        throw new ServiceUnavailable(
          `The database schema is at migration ${status.current}, expected ${status.expected}.`,
          status,
        );
      }
      return { status: 'ready' as const, database: ctx.database.kind, migration: status.current };
    },
  );
}
