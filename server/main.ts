/**
 * The platform process: reads the configuration, opens and migrates the database, starts the
 * built-in Bolna simulator in demo mode, the job runtime and the app, listens, and shuts down
 * gracefully on SIGTERM/SIGINT (stop accepting, finish in-flight requests, stop jobs, close the
 * database).
 */
import closeWithGrace from 'close-with-grace';
import pino from 'pino';
import { startSimulator } from '../simulator/server.js';
import { buildApp, createPlatformBolnaClient } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { openDatabase } from './db/index.js';
import { migrate } from './db/migrate.js';
import { startJobRuntime } from './jobs/index.js';
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

  const simulator = config.bolna.demo
    ? await startSimulator({ ...config.simulator, host: config.simulator.host ?? '127.0.0.1' })
    : null;
  if (simulator)
    log.info({ url: simulator.url }, 'demo mode: no BOLNA_API_KEY, calls go to the built-in Bolna simulator');
  const bolna = createPlatformBolnaClient(config, simulator?.url);
  const jobs = await startJobRuntime({ database, logger: log.child({ component: 'jobs' }) });
  const app = await buildApp({ config, database, jobs, bolna });
  app.addHook('onClose', async () => {
    await jobs.stop({ graceful: true, timeoutMs: 10_000 });
    await simulator?.close();
    await database.close();
  });

  closeWithGrace({ delay: 15_000, logger: log }, async ({ signal, err }) => {
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
