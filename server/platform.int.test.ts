import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app.js';
import { testConfig } from '../test/config.js';
import { Client, expectError, startTestApp, type TestApp } from '../test/app.js';
import { createTestDatabase, testDbKind } from '../test/db.js';
import { loadMigrations } from './db/migrate.js';
import { startJobRuntime } from './jobs/index.js';

describe(`platform endpoints (${testDbKind()})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('reports liveness and readiness', async () => {
    expect((await t.app.inject('/api/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await t.app.inject('/api/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({
      status: 'ready',
      database: testDbKind(),
      migration: loadMigrations().length,
    });
  });

  it('serves an OpenAPI 3.1 document generated from the route schemas', async () => {
    const doc = (await t.app.inject('/api/openapi.json')).json();
    expect(doc.openapi).toBe('3.1.0');
    const signup = doc.paths['/api/auth/signup'].post;
    const schema = signup.requestBody.content['application/json'].schema;
    expect(schema.required).toEqual(
      expect.arrayContaining(['email', 'password', 'name', 'organizationName']),
    );
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/orgs/{orgId}/members/{userId}', '/api/readyz']),
    );
  });

  it('exposes Prometheus metrics labelled by route pattern, never by raw URL', async () => {
    await t.app.inject('/api/healthz');
    await t.app.inject('/api/orgs/00000000-0000-4000-8000-000000000001');
    const text = (await t.app.inject('/metrics')).body;
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/api\/healthz",status_code="200"\} \d+/);
    expect(text).toContain('route="/api/orgs/:orgId",status_code="401"');
    expect(text).not.toContain('00000000-0000-4000-8000-000000000001');
    expect(text).toContain('http_request_duration_seconds_bucket');
  });

  it('echoes a request id and answers unknown routes with a JSON 404', async () => {
    const res = await t.app.inject({ url: '/api/nope', headers: { 'x-request-id': 'trace-123' } });
    expect(res.headers['x-request-id']).toBe('trace-123');
    expect(expectError(res, 404, 'not_found').requestId).toBe('trace-123');
  });

  it('refuses bodies over the limit with 413, and non-JSON bodies with 415', async () => {
    const big = JSON.stringify({ email: 'a@b.co', password: 'x'.repeat(2 * 1024 * 1024) });
    expectError(await new Client(t.app).request('POST', '/api/auth/login', big), 413, 'payload_too_large');
    const form = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'email=a',
    });
    expectError(form, 415, 'unsupported_media_type');
  });
});

describe(`error handling (${testDbKind()})`, () => {
  it('hides the internals of a 5xx behind a request id', async () => {
    const { database, drop } = await createTestDatabase();
    const jobs = await startJobRuntime({ database, work: false });
    const app = await buildApp({ config: testConfig(), database, logger: false, jobs });
    app.get('/boom', async () => {
      throw new Error('password=hunter2 at db.internal:5432');
    });
    const res = await app.inject('/boom');
    const body = expectError(res, 500, 'internal');
    expect(res.body).not.toContain('hunter2');
    expect(body.message).toBe('Internal server error.');
    await app.close();
    await jobs.stop();
    await drop();
  });

  it('is not ready while migrations are missing', async () => {
    const { database, drop } = await createTestDatabase();
    const jobs = await startJobRuntime({ database, work: false });
    const extra = [...loadMigrations(), { version: 99, name: 'future', sql: 'SELECT 1', checksum: 'x' }];
    const app = await buildApp({ config: testConfig(), database, logger: false, migrations: extra, jobs });
    const res = await app.inject('/api/readyz');
    expectError(res, 503, 'service_unavailable');
    await app.close();
    await jobs.stop();
    await drop();
  });
});
