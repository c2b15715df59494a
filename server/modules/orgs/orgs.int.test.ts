import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, addMember, expectError, signUp, startTestApp, type TestApp } from '../../../test/app.js';
import { testDbKind } from '../../../test/db.js';

describe(`organizations (${testDbKind()})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('creates organizations with the creator as owner and lists them', async () => {
    const { client, orgId } = await signUp(t.app, { organizationName: 'First' });
    const created = await client.post('/api/orgs', { name: 'Second' });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ name: 'Second', role: 'owner' });
    const list = await client.get('/api/orgs');
    expect(list.json().data.map((o: { name: string }) => o.name)).toEqual(['First', 'Second']);
    const one = await client.get(`/api/orgs/${orgId}`);
    expect(one.json()).toMatchObject({ id: orgId, name: 'First', role: 'owner' });
  });

  it('lets admins rename, not members', async () => {
    const { client, orgId } = await signUp(t.app);
    const member = await addMember(t.app, client, orgId, 'member');
    expectError(await member.client.patch(`/api/orgs/${orgId}`, { name: 'Nope' }), 403, 'forbidden');
    const admin = await addMember(t.app, client, orgId, 'admin');
    const renamed = await admin.client.patch(`/api/orgs/${orgId}`, { name: 'Renamed' });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json()).toMatchObject({ name: 'Renamed', role: 'admin' });
    expectError(await client.patch(`/api/orgs/${orgId}`, { name: '' }), 400, 'validation_failed');
  });

  it('gives each organization a webhook token of at least 128 bits, encrypted at rest, rotatable', async () => {
    const { client, orgId } = await signUp(t.app);
    const first = (await client.get(`/api/orgs/${orgId}/webhook`)).json();
    expect(Buffer.from(first.token, 'base64url').length * 8).toBeGreaterThanOrEqual(128);
    expect(first.url).toBe(`http://automitra.test/api/webhooks/bolna/call-status?token=${first.token}`);
    const { rows } = await t.testDb.database.withSession((s) =>
      s.query<{ webhook_token_hash: string; webhook_token_enc: string }>(
        'SELECT webhook_token_hash, webhook_token_enc FROM organizations WHERE id = $1',
        [orgId],
      ),
    );
    expect(JSON.stringify(rows[0])).not.toContain(first.token);

    const rotated = await client.post(`/api/orgs/${orgId}/webhook/rotate`);
    expect(rotated.statusCode).toBe(200);
    expect(rotated.json().token).not.toBe(first.token);
    expect((await client.get(`/api/orgs/${orgId}/webhook`)).json().token).toBe(rotated.json().token);
  });

  it('shows the webhook token to admins only', async () => {
    const { client, orgId } = await signUp(t.app);
    const member = await addMember(t.app, client, orgId, 'member');
    expectError(await member.client.get(`/api/orgs/${orgId}/webhook`), 403);
    expectError(await member.client.post(`/api/orgs/${orgId}/webhook/rotate`), 403);
  });

  it('lets an API key see its own organization only', async () => {
    const { client, orgId } = await signUp(t.app);
    const key = (await client.post(`/api/orgs/${orgId}/api-keys`, { name: 'ci' })).json().key;
    const res = await new Client(t.app, { apiKey: key }).get('/api/orgs');
    expect(res.json().data.map((o: { id: string }) => o.id)).toEqual([orgId]);
    expectError(await new Client(t.app, { apiKey: key }).post('/api/orgs', { name: 'x' }), 403);
  });
});
