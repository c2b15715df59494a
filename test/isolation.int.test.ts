/**
 * The tenant-isolation matrix: a member and an API key of organization B call every
 * organization-scoped route with organization A's ids. Every answer is a 404 that reveals nothing,
 * and A's data is exactly as before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, addMember, apiKeyClient, signUp, startTestApp, uniqueEmail, type TestApp } from './app.js';
import { testDbKind } from './db.js';
import { ORG_ROUTES, fillPath, type OrgFixtureIds } from './org-routes.js';
import { waitUntil } from './wait.js';

describe(`tenant isolation matrix (${testDbKind()})`, () => {
  let t: TestApp;
  let a: Awaited<ReturnType<typeof signUp>>;
  let ids: OrgFixtureIds;
  let aKey: string;
  let snapshot: () => Promise<unknown>;

  beforeAll(async () => {
    t = await startTestApp();
    a = await signUp(t.app, { organizationName: 'Alpha Secret Org' });
    const member = await addMember(t.app, a.client, a.orgId, 'member');
    const key = await apiKeyClient(t.app, a.client, a.orgId);
    aKey = key.key;
    const invitation = (
      await a.client.post(`/api/orgs/${a.orgId}/invitations`, { email: uniqueEmail(), role: 'viewer' })
    ).json();
    const agent = (await a.client.post(`/api/orgs/${a.orgId}/agents`, { name: 'Alpha agent' })).json();
    const call = (
      await a.client.post(`/api/orgs/${a.orgId}/calls`, { agentId: agent.id, toNumber: '+919876543210' })
    ).json();
    const { token } = (await a.client.get(`/api/orgs/${a.orgId}/webhook`)).json();
    const delivery = await t.app.inject({
      method: 'POST',
      url: `/api/webhooks/bolna/call-status?token=${token}`,
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ id: 'isolation-exec', agent_id: agent.providerAgentId, status: 'ringing' }),
    });
    // The delivery creates a call in the background: let it land before A's state is recorded.
    await waitUntil(
      async () =>
        (await a.client.get(`/api/orgs/${a.orgId}/calls?providerCallId=isolation-exec`)).json().data
          .length === 1,
    );
    ids = {
      eventId: delivery.json().eventId,
      orgId: a.orgId,
      userId: member.userId,
      keyId: key.id,
      invitationId: invitation.id,
      agentId: agent.id,
      callId: call.id,
    };
    snapshot = async () => ({
      org: (await a.client.get(`/api/orgs/${a.orgId}`)).json(),
      members: (await a.client.get(`/api/orgs/${a.orgId}/members`)).json(),
      invitations: (await a.client.get(`/api/orgs/${a.orgId}/invitations`)).json(),
      keys: (await a.client.get(`/api/orgs/${a.orgId}/api-keys`)).json(),
      webhook: (await a.client.get(`/api/orgs/${a.orgId}/webhook`)).json(),
      // Calls move on by themselves (the provider); what B must not change is which exist and whose they are.
      agents: (await a.client.get(`/api/orgs/${a.orgId}/agents`))
        .json()
        .data.map((g: { id: string; name: string }) => [g.id, g.name]),
      calls: (await a.client.get(`/api/orgs/${a.orgId}/calls`))
        .json()
        .data.map((c: { id: string; toNumber: string }) => [c.id, c.toNumber]),
    });
  });
  afterAll(() => t.close());

  it('covers every organization-scoped route of the API', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/api/orgs/{orgId}'))
      .flatMap(([path, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
      );
    const tested = ORG_ROUTES.map((r) => `${r.method} ${r.path}`);
    expect(tested.sort()).toEqual(documented.sort());
  });

  it('answers 404 to a member and to an API key of another organization, and changes nothing', async () => {
    const before = await snapshot();
    const b = await signUp(t.app, { organizationName: 'Bravo Org' });
    const bKey = await apiKeyClient(t.app, b.client, b.orgId);
    const attackers: [string, Client][] = [
      ['member of B', b.client],
      ['API key of B', bKey.client],
    ];
    const failures: string[] = [];
    for (const route of ORG_ROUTES) {
      for (const [who, client] of attackers) {
        const res = await client.request(route.method, fillPath(route.path, ids), route.body?.());
        const leaked = [a.orgId, 'Alpha Secret Org', a.email, ids.userId].some((s) => res.body.includes(s));
        if (res.statusCode !== 404 || res.json().error !== 'not_found' || leaked) {
          failures.push(`${who}: ${route.method} ${route.path} → ${res.statusCode} ${res.body}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(await snapshot()).toEqual(before);
    expect((await new Client(t.app, { apiKey: aKey }).get(`/api/orgs/${a.orgId}`)).statusCode).toBe(200);
  });

  it('answers 401 to every organization-scoped route without credentials', async () => {
    const anonymous = new Client(t.app);
    for (const route of ORG_ROUTES) {
      const res = await anonymous.request(route.method, fillPath(route.path, ids), route.body?.());
      expect(res.statusCode, `${route.method} ${route.path}`).toBe(401);
    }
  });

  it('answers 400 naming the field for a bad body on every route that takes one', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as {
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
    };
    let checked = 0;
    for (const route of ORG_ROUTES) {
      const op = doc.paths[route.path.replace(/:(\w+)/g, '{$1}')]?.[route.method.toLowerCase()];
      if (!op?.requestBody) continue;
      checked++;
      expect(route.badBody, `${route.method} ${route.path} needs a badBody case`).toBeDefined();
      const res = await a.client.request(route.method, fillPath(route.path, ids), route.badBody!.body);
      expect(res.statusCode, `${route.method} ${route.path}`).toBe(400);
      const fields = res.json().details.issues.map((i: { field: string }) => i.field);
      expect(fields, `${route.method} ${route.path}`).toContain(route.badBody!.field);
    }
    expect(checked).toBe(ORG_ROUTES.filter((r) => r.badBody).length);
  });

  it('answers 400 naming the field on the routes outside organizations', async () => {
    const cases: [string, unknown, string][] = [
      [
        '/api/auth/signup',
        { email: 'x@y.co', password: 'long enough pw', name: 'N', organizationName: ['x'] },
        'organizationName',
      ],
      ['/api/auth/login', { email: 'someone@example.test' }, 'password'],
      ['/api/orgs', { name: { nested: true } }, 'name'],
      ['/api/invitations/short/accept', { name: 'x' }, 'params.token'],
    ];
    for (const [url, body, field] of cases) {
      const res = await a.client.post(url, body);
      expect(res.statusCode, url).toBe(400);
      expect(
        res.json().details.issues.map((i: { field: string }) => i.field),
        url,
      ).toContain(field);
    }
  });

  it('treats a malformed organization id as one that does not exist', async () => {
    const res = await a.client.get('/api/orgs/not-a-uuid/members');
    expect(res.statusCode).toBe(404);
  });
});
