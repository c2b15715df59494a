import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Client,
  PASSWORD,
  addMember,
  expectError,
  signUp,
  startTestApp,
  uniqueEmail,
  type TestApp,
} from '../../../test/app.js';
import { testDbKind } from '../../../test/db.js';

describe(`members and invitations (${testDbKind()})`, () => {
  let t: TestApp;
  let clock = new Date('2026-05-01T09:00:00Z');
  beforeAll(async () => {
    t = await startTestApp({ now: () => clock });
  });
  afterAll(() => t.close());

  const tokenOf = (url: string) => url.split('/invite/')[1]!;

  it('invites by link; a new user signs up through it and becomes a member with the role', async () => {
    const owner = await signUp(t.app, { organizationName: 'Inviting Org' });
    const email = uniqueEmail('invitee');
    const created = await owner.client.post(`/api/orgs/${owner.orgId}/invitations`, {
      email,
      role: 'member',
    });
    expect(created.statusCode).toBe(201);
    const { url, expiresAt } = created.json();
    expect(url).toMatch(/^http:\/\/automitra\.test\/invite\/[A-Za-z0-9_-]{43}$/);
    expect(new Date(expiresAt).getTime()).toBeGreaterThan(clock.getTime());

    const preview = await new Client(t.app).get(`/api/invitations/${tokenOf(url)}`);
    expect(preview.json()).toMatchObject({ organizationName: 'Inviting Org', email, role: 'member' });

    const invitee = new Client(t.app);
    expectError(
      await invitee.post(`/api/invitations/${tokenOf(url)}/accept`, { name: 'New' }),
      400,
      'validation_failed',
    );
    const accepted = await invitee.post(`/api/invitations/${tokenOf(url)}/accept`, {
      name: 'New',
      password: PASSWORD,
    });
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json().organization).toMatchObject({ id: owner.orgId, role: 'member' });
    expect((await invitee.get('/api/auth/me')).json().organizations).toEqual([
      { id: owner.orgId, name: 'Inviting Org', role: 'member' },
    ]);
    // One-time: a second use is refused as if it never existed.
    expectError(
      await new Client(t.app).post(`/api/invitations/${tokenOf(url)}/accept`, {
        name: 'X',
        password: PASSWORD,
      }),
      404,
    );

    const members = (await owner.client.get(`/api/orgs/${owner.orgId}/members`)).json().data;
    expect(members.map((m: { email: string; role: string }) => [m.email, m.role])).toEqual([
      [owner.email, 'owner'],
      [email, 'member'],
    ]);
  });

  it('lets a signed-in user accept only an invitation for their own email', async () => {
    const owner = await signUp(t.app);
    const existing = await signUp(t.app);
    const other = await signUp(t.app);
    const { url } = (
      await owner.client.post(`/api/orgs/${owner.orgId}/invitations`, {
        email: existing.email,
        role: 'viewer',
      })
    ).json();
    expectError(await other.client.post(`/api/invitations/${tokenOf(url)}/accept`, {}), 403);
    expectError(
      await new Client(t.app).post(`/api/invitations/${tokenOf(url)}/accept`, {
        name: 'x',
        password: PASSWORD,
      }),
      409,
    );
    const ok = await existing.client.post(`/api/invitations/${tokenOf(url)}/accept`);
    expect(ok.statusCode).toBe(200);
    expect(ok.json().organization.role).toBe('viewer');
  });

  it('expires and revokes invitations', async () => {
    const owner = await signUp(t.app);
    const expiring = (
      await owner.client.post(`/api/orgs/${owner.orgId}/invitations`, {
        email: uniqueEmail(),
        role: 'member',
      })
    ).json();
    const revoked = (
      await owner.client.post(`/api/orgs/${owner.orgId}/invitations`, {
        email: uniqueEmail(),
        role: 'member',
      })
    ).json();
    expect((await owner.client.delete(`/api/orgs/${owner.orgId}/invitations/${revoked.id}`)).statusCode).toBe(
      204,
    );
    expectError(await new Client(t.app).get(`/api/invitations/${tokenOf(revoked.url)}`), 404);
    const list = (await owner.client.get(`/api/orgs/${owner.orgId}/invitations`)).json().data;
    expect(list.map((i: { id: string }) => i.id)).toEqual([expiring.id]);
    clock = new Date(clock.getTime() + t.config.invitationTtlMs + 1);
    expectError(
      await new Client(t.app).post(`/api/invitations/${tokenOf(expiring.url)}/accept`, {
        name: 'x',
        password: PASSWORD,
      }),
      404,
    );
  });

  it('enforces roles: viewers read, admins manage non-owners, only owners touch owners', async () => {
    const owner = await signUp(t.app);
    const admin = await addMember(t.app, owner.client, owner.orgId, 'admin');
    const member = await addMember(t.app, owner.client, owner.orgId, 'member');
    const viewer = await addMember(t.app, owner.client, owner.orgId, 'viewer');
    const base = `/api/orgs/${owner.orgId}`;

    expect((await viewer.client.get(`${base}/members`)).statusCode).toBe(200);
    expectError(await viewer.client.patch(`${base}/members/${member.userId}`, { role: 'admin' }), 403);
    expectError(
      await member.client.post(`${base}/invitations`, { email: uniqueEmail(), role: 'viewer' }),
      403,
    );
    expectError(await member.client.delete(`${base}/members/${viewer.userId}`), 403);

    expect(
      (await admin.client.patch(`${base}/members/${viewer.userId}`, { role: 'member' })).json().role,
    ).toBe('member');
    expectError(await admin.client.patch(`${base}/members/${member.userId}`, { role: 'owner' }), 403);
    expectError(await admin.client.patch(`${base}/members/${owner.user.id}`, { role: 'member' }), 403);
    expectError(await admin.client.delete(`${base}/members/${owner.user.id}`), 403);
    expectError(await admin.client.post(`${base}/invitations`, { email: uniqueEmail(), role: 'owner' }), 403);
    expect((await admin.client.delete(`${base}/members/${viewer.userId}`)).statusCode).toBe(204);
    expectError(await viewer.client.get(`${base}/members`), 404);

    expectError(
      await admin.client.patch(`${base}/members/${member.userId}`, { role: 'superuser' }),
      400,
      'validation_failed',
    );
    expectError(
      await admin.client.patch(`${base}/members/00000000-0000-4000-8000-000000000000`, { role: 'member' }),
      404,
    );
  });

  it('never leaves an organization without an owner', async () => {
    const owner = await signUp(t.app);
    const base = `/api/orgs/${owner.orgId}`;
    expectError(
      await owner.client.patch(`${base}/members/${owner.user.id}`, { role: 'admin' }),
      409,
      'conflict',
    );
    expectError(await owner.client.delete(`${base}/members/${owner.user.id}`), 409, 'conflict');

    const second = await addMember(t.app, owner.client, owner.orgId, 'admin');
    expect((await owner.client.patch(`${base}/members/${second.userId}`, { role: 'owner' })).statusCode).toBe(
      200,
    );
    // Two owners demoting each other at once: one must fail (409 as the last owner, or 403 when
    // the other demotion already made the caller an admin).
    const results = await Promise.all([
      owner.client.patch(`${base}/members/${second.userId}`, { role: 'admin' }),
      second.client.patch(`${base}/members/${owner.user.id}`, { role: 'admin' }),
    ]);
    const codes = results.map((r) => r.statusCode).sort();
    expect(codes[0]).toBe(200);
    expect([403, 409]).toContain(codes[1]);
    const owners = (await owner.client.get(`${base}/members`))
      .json()
      .data.filter((m: { role: string }) => m.role === 'owner');
    expect(owners).toHaveLength(1);
  });

  it('lets a member leave', async () => {
    const owner = await signUp(t.app);
    const member = await addMember(t.app, owner.client, owner.orgId, 'member');
    expect((await member.client.delete(`/api/orgs/${owner.orgId}/members/${member.userId}`)).statusCode).toBe(
      204,
    );
    expect((await member.client.get('/api/auth/me')).json().organizations).toEqual([]);
  });
});
