import { loadConfig, type Config } from '../server/config.js';

/** A configuration for tests: no files written, generous throttles unless a test asks otherwise. */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    SESSION_SECRET: 'test-secret-test-secret-test-secret-0123',
    PUBLIC_URL: 'http://automitra.test',
    DATA_DIR: '/nonexistent-test-data-dir',
    LOGIN_MAX_ATTEMPTS_PER_IP: '100000',
    ...env,
  });
}
