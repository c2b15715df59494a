import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const base = { SESSION_SECRET: 's'.repeat(32), DATA_DIR: '/tmp/automitra-config-test' };

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(base);
    expect(config.port).toBe(5000);
    expect(config.database.url).toBeUndefined();
    expect(config.publicUrl).toBe('http://localhost:5000');
    expect(config.publicWebhookUrl).toBe('http://localhost:5000');
    expect(config.cookieSecure).toBe(false);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reports every invalid variable together', () => {
    let error: unknown;
    try {
      loadConfig({
        ...base,
        PORT: 'eighty',
        DATABASE_URL: 'mysql://x',
        WEBHOOK_IP_ALLOWLIST: '1.2.3.4,nope',
        LOG_LEVEL: 'loud',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'DATABASE_URL', 'WEBHOOK_IP_ALLOWLIST', 'LOG_LEVEL'])
      expect(problems).toContain(name);
  });

  it('requires SESSION_SECRET in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', DATA_DIR: '/tmp/x' })).toThrow(/SESSION_SECRET/);
  });

  it('parses lists, URLs and booleans', () => {
    const config = loadConfig({
      ...base,
      PUBLIC_URL: 'https://calls.example.com/',
      WEBHOOK_IP_ALLOWLIST: '13.203.39.153, 10.0.0.0/8',
      COOKIE_SECURE: 'false',
    });
    expect(config.publicUrl).toBe('https://calls.example.com');
    expect(config.webhookIpAllowlist).toEqual(['13.203.39.153', '10.0.0.0/8']);
    expect(config.cookieSecure).toBe(false);
  });
});
