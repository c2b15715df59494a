/**
 * The platform process: reads the configuration, opens and migrates the database, builds the app,
 * listens, and shuts down gracefully on SIGTERM/SIGINT (stop accepting, finish in-flight requests,
 * close the database).
 */
import closeWithGrace from 'close-with-grace';
import pino from 'pino';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { openDatabase } from './db/index.js';
import { migrate } from './db/migrate.js';
import { REDACT_PATHS } from './logger.js';

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const log = pino({ level: config.logLevel, redact: REDACT_PATHS });
  const database = await openDatabase({
    url: config.database.url,
    dataDir: config.database.dataDir,
    poolMax: config.database.poolMax,
  });
  const where = database.kind === 'pg' ? 'PostgreSQL' : `embedded PGlite in ${config.database.dataDir}`;
  const { applied, current } = await migrate(database);
  log.info({ applied, current }, `database ready (${where})`);

  const app = await buildApp({ config, database });
  app.addHook('onClose', async () => {
    await database.close();
  });

  closeWithGrace({ delay: 10_000, logger: log }, async ({ signal, err }) => {
    if (err) log.error({ err }, 'shutting down after an error');
    else log.info({ signal }, 'shutting down');
    await app.close();
  });

  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const listening =
    typeof address === 'object' && address
      ? `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${address.port}`
      : config.publicUrl;
  log.info({ listening }, `Automitra is running at ${config.port === 0 ? listening : config.publicUrl}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
