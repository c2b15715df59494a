/**
 * Before the e2e project: builds the web app once (`vite build web` into web/dist, which the server
 * under test serves), unless there is no Chromium to run it in. The build runs in its own process
 * with NODE_ENV=production: under Vitest NODE_ENV is `test`, which would give React's development
 * build.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { findChromium } from './chromium.js';

export default function setup(): void {
  if (!findChromium()) return;
  const started = Date.now();
  const vite = fileURLToPath(new URL('../node_modules/vite/bin/vite.js', import.meta.url));
  const result = spawnSync(process.execPath, [vite, 'build', 'web', '--logLevel', 'warn'], {
    env: { ...process.env, NODE_ENV: 'production' },
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`vite build web failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
  console.log(`[e2e] built the web app into web/dist in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
