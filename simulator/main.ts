/**
 * `npm run simulator`: the Bolna simulator as a standalone process, configured by SIM_* variables
 * (docs/simulator.md). Stops cleanly on SIGTERM/SIGINT.
 */
import { parseSimulatorEnv } from './env.js';
import { startSimulator } from './server.js';

const config = parseSimulatorEnv(process.env);
if (!config.ok) {
  console.error(
    `The Bolna simulator cannot start; fix these environment variables:\n  - ${config.errors.join('\n  - ')}`,
  );
  process.exit(1);
}

const sim = await startSimulator({ ...config.options, host: config.options.host ?? '127.0.0.1' });
const knobs = sim.knobs;
console.log(
  `Bolna simulator listening on ${sim.url} (API key${sim.apiKeys.length > 1 ? 's' : ''}: ${sim.apiKeys.join(', ')}; ` +
    `seed ${knobs.seed}; time scale ${knobs.timeScale}). Control endpoints (test only): ${sim.url}/__sim/config`,
);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`${signal} received: stopping the simulator.`);
  try {
    await sim.close();
    process.exit(0);
  } catch (err) {
    console.error('The simulator did not stop cleanly:', err);
    process.exit(1);
  }
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
