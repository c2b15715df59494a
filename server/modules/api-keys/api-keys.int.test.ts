import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, addMember, expectError, signUp, startTestApp, type TestApp } from '../../../test/app.js';
import { testDbKind } from '../../../test/db.js';

describe(`API keys (${testDbKind()})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('shows the key once, stores only its digest, and authenticates with it', async () => {
    const { client, orgId } = await signUp(t.app);
    const created = await client.post(`/api/orgs/${orgId}/api-keys`, { name: 'CI' });
    expect(created.statusCode).toBe(201);
    const { id, key, prefix, role } = created.json();
    expect(key.startsWith(`${prefix}_`)).toBe(true);
    expect(role).toBe('admin');

    const list = (await client.get(`/api/orgs/${orgId}/api-keys`)).json().data;
    expect(list).toEqual([expect.objectContaining({ id, name: 'CI', prefix, lastUsedAt: null })]);
    expect(JSON.stringify(list)).not.toContain(key);
    const { rows } = await t.testDb.database.withSession((s) =>
      s.query('SELECT * FROM api_keys WHERE id = $1', [id]),
    );
    expect(JSON.stringify(rows)).not.toContain(key.slice(prefix.length + 1));

    const byKey = new Client(t.app, { apiKey: key });
    expect((await byKey.get(`/api/orgs/${orgId}/members`)).statusCode).toBe(200);
    const after = (await client.get(`/api/orgs/${orgId}/api-keys`)).json().data[0];
    expect(after.lastUsedAt).not.toBeNull();
  });

  it('refuses revoked, altered and unknown keys', async () => {
    const { client, orgId } = await signUp(t.app);
    const { id, key } = (await client.post(`/api/orgs/${orgId}/api-keys`, { name: 'temp' })).json();
    const altered = key.slice(0, -1) + (key.endsWith('a') ? 'b' : 'a');
    expectError(await new Client(t.app, { apiKey: altered }).get(`/api/orgs/${orgId}`), 401);
    expectError(await new Client(t.app, { apiKey: 'amk_nothing' }).get(`/api/orgs/${orgId}`), 401);
    expect((await client.delete(`/api/orgs/${orgId}/api-keys/${id}`)).statusCode).toBe(204);
    expectError(await new Client(t.app, { apiKey: key }).get(`/api/orgs/${orgId}`), 401);
    expectError(await client.delete(`/api/orgs/${orgId}/api-keys/${id}`), 404);
    expect((await client.get(`/api/orgs/${orgId}/api-keys`)).json().data).toEqual([]);
  });

  it('gives a key its role: a viewer key reads but cannot write', async () => {
    const { client, orgId } = await signUp(t.app);
    const { key } = (await client.post(`/api/orgs/${orgId}/api-keys`, { name: 'ro', role: 'viewer' })).json();
    const viewer = new Client(t.app, { apiKey: key });
    expect((await viewer.get(`/api/orgs/${orgId}`)).statusCode).toBe(200);
    expectError(await viewer.patch(`/api/orgs/${orgId}`, { name: 'x' }), 403);
    expectError(
      await client.post(`/api/orgs/${orgId}/api-keys`, { name: 'x', role: 'owner' }),
      400,
      'validation_failed',
    );
  });

  it('is managed by admins only', async () => {
    const { client, orgId } = await signUp(t.app);
    const member = await addMember(t.app, client, orgId, 'member');
    expectError(await member.client.post(`/api/orgs/${orgId}/api-keys`, { name: 'x' }), 403);
    expectError(await member.client.get(`/api/orgs/${orgId}/api-keys`), 403);
  });
});
