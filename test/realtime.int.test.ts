/**
 * Live updates over a real Socket.IO client: every client of an organization sees the same events
 * in the same order; another organization sees nothing, whatever it subscribes to; a client that
 * drops during a call ends with the right state; revoked credentials are disconnected; events of an
 * organization nobody watches are not kept.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTerminalStatus } from '../common/call-status.js';
import { UNAUTHORIZED_MESSAGE } from '../common/realtime.js';
import { addMember, apiKeyClient, signUp, startTestApp, type TestApp } from './app.js';
import { testDbKind } from './db.js';
import { connectSocket, type RecordingClient } from './realtime.js';
import { waitUntil } from './wait.js';

describe(`realtime (${testDbKind()})`, { timeout: 60_000 }, () => {
  let t: TestApp;
  const open: RecordingClient[] = [];
  beforeAll(async () => {
    t = await startTestApp({
      listen: true,
      simulator: { completedDelayMs: 2_000, outcomes: { completed: 1 } },
    });
  });
  afterAll(async () => {
    open.forEach((c) => c.close());
    await t.close();
  });
  const track = (c: RecordingClient) => (open.push(c), c);

  async function orgWithAgent(name: string) {
    const owner = await signUp(t.app, { organizationName: name });
    const agent = (
      await owner.client.post(`/api/orgs/${owner.orgId}/agents`, { name: `${name} agent` })
    ).json();
    return { ...owner, agent };
  }

  it('refuses a connection without valid credentials, with a clear connect_error', async () => {
    await expect(connectSocket(t.url, {})).rejects.toThrow(UNAUTHORIZED_MESSAGE);
    await expect(connectSocket(t.url, { apiKey: 'amk_000000000000_' + 'x'.repeat(43) })).rejects.toThrow(
      /unauthorized/,
    );
  });

  it('shows two clients of one organization the same call lifecycle in the same order, and nothing to another organization', async () => {
    const a = await orgWithAgent('Alpha');
    const b = await orgWithAgent('Bravo');
    const bKey = await apiKeyClient(t.app, b.client, b.orgId);
    const tab1 = track(await connectSocket(t.url, { cookie: a.client.cookie }));
    const tab2 = track(await connectSocket(t.url, { cookie: a.client.cookie }));
    const intruder = track(await connectSocket(t.url, { apiKey: bKey.key }));
    const denied = await intruder.socket.emitWithAck('subscribe', { orgId: a.orgId });
    expect(denied).toEqual({ ok: false, error: expect.stringContaining('not_found') });

    const call = (
      await a.client.post(`/api/orgs/${a.orgId}/calls`, { agentId: a.agent.id, toNumber: '+919876543210' })
    ).json();
    await waitUntil(
      () => tab1.events.some((e) => e.callId === call.id && isTerminalStatus(e.status as never)),
      30_000,
    );
    await waitUntil(
      () =>
        tab2.events.filter((e) => e.callId === call.id).length ===
        tab1.events.filter((e) => e.callId === call.id).length,
    );

    const lifecycle = (c: RecordingClient) => c.events.filter((e) => e.callId === call.id);
    expect(lifecycle(tab1)).toEqual(lifecycle(tab2));
    const statuses = lifecycle(tab1).map((e) => e.status);
    expect(statuses[0]).toBe('initiated');
    for (const s of ['ringing', 'in_progress', 'completed']) expect(statuses).toContain(s);
    const versions = lifecycle(tab1).map((e) => e.version!);
    expect(versions).toEqual([...versions].sort((x, y) => x - y));
    expect(lifecycle(tab1)[0]!.event).toBe('call:created');

    expect(intruder.events.filter((e) => e.organizationId === a.orgId)).toEqual([]);
    // B's own calls do reach B.
    const bCall = (
      await b.client.post(`/api/orgs/${b.orgId}/calls`, { agentId: b.agent.id, toNumber: '+919876543211' })
    ).json();
    await waitUntil(() => intruder.events.some((e) => e.callId === bCall.id));
    expect(tab1.events.some((e) => e.callId === bCall.id)).toBe(false);
  });

  it('pushes metrics to watching sockets, at most once a second per organization, reflecting the last change', async () => {
    const a = await orgWithAgent('Metrics');
    const tab = track(await connectSocket(t.url, { cookie: a.client.cookie }));
    const notWatching = track(await connectSocket(t.url, { cookie: a.client.cookie }));
    const outsider = await orgWithAgent('Outsider');
    const outsiderTab = track(await connectSocket(t.url, { cookie: outsider.client.cookie }));
    expect(
      await outsiderTab.socket.emitWithAck('metrics:watch', { orgId: a.orgId, watch: true }),
    ).toMatchObject({
      ok: false,
    });
    expect(await tab.socket.emitWithAck('metrics:watch', { orgId: a.orgId, watch: true })).toEqual({
      ok: true,
      organizationIds: [a.orgId],
    });
    const pushes: { at: number; totalCalls: number }[] = [];
    tab.socket.on('metrics:updated', ({ organizationId, metrics }) => {
      if (organizationId === a.orgId) pushes.push({ at: Date.now(), totalCalls: metrics.totalCalls });
    });
    for (let i = 0; i < 5; i++) {
      await a.client.post(`/api/orgs/${a.orgId}/calls`, {
        agentId: a.agent.id,
        toNumber: `+91987654330${i}`,
      });
    }
    await waitUntil(() => pushes.some((p) => p.totalCalls === 5), 15_000);
    await t.simulator.waitForIdle(15_000);
    await new Promise((r) => setTimeout(r, 1_500));
    for (let i = 1; i < pushes.length; i++)
      expect(pushes[i]!.at - pushes[i - 1]!.at).toBeGreaterThanOrEqual(900);
    expect(pushes.length).toBeLessThan(20);
    expect(notWatching.events.filter((e) => e.event === 'metrics:updated')).toEqual([]);
    expect(outsiderTab.events.filter((e) => e.event === 'metrics:updated')).toEqual([]);
    expect(notWatching.events.filter((e) => e.event === 'call:created')).toHaveLength(5);
  });

  it('narrows a socket to one organization with subscribe', async () => {
    const a = await orgWithAgent('Multi');
    const second = (await a.client.post('/api/orgs', { name: 'Second' })).json();
    const agent2 = (await a.client.post(`/api/orgs/${second.id}/agents`, { name: 'Second agent' })).json();
    const tab = track(await connectSocket(t.url, { cookie: a.client.cookie }));
    expect(await tab.socket.emitWithAck('subscribe', { orgId: second.id })).toEqual({
      ok: true,
      organizationIds: [second.id],
    });
    const inFirst = (
      await a.client.post(`/api/orgs/${a.orgId}/calls`, { agentId: a.agent.id, toNumber: '+919876543212' })
    ).json();
    const inSecond = (
      await a.client.post(`/api/orgs/${second.id}/calls`, { agentId: agent2.id, toNumber: '+919876543213' })
    ).json();
    await waitUntil(() => tab.events.some((e) => e.callId === inSecond.id));
    expect(tab.events.some((e) => e.callId === inFirst.id)).toBe(false);
  });

  it('brings a client that dropped during a call back to the right state', async () => {
    const a = await orgWithAgent('Flaky');
    const tab = track(await connectSocket(t.url, { cookie: a.client.cookie }));
    const known = new Map<string, { status: string; version: number }>();
    const applyEvent = ({ call }: { call: { id: string; status: string; version: number } }) => {
      const have = known.get(call.id);
      if (!have || call.version > have.version)
        known.set(call.id, { status: call.status, version: call.version });
    };
    tab.socket.on('call:created', applyEvent);
    tab.socket.on('call:updated', applyEvent);
    let refetched = 0;
    tab.socket.on('connect', async () => {
      // The client's rule: when the server could not replay what was missed, refetch.
      if (!tab.socket.recovered) {
        refetched++;
        const list = (await a.client.get(`/api/orgs/${a.orgId}/calls`)).json().data;
        for (const call of list) applyEvent({ call });
      }
    });

    const call = (
      await a.client.post(`/api/orgs/${a.orgId}/calls`, { agentId: a.agent.id, toNumber: '+919876543214' })
    ).json();
    await waitUntil(() => known.has(call.id));
    tab.socket.io.engine.close(); // the network drops
    await waitUntil(
      async () =>
        isTerminalStatus((await a.client.get(`/api/orgs/${a.orgId}/calls/${call.id}`)).json().status),
      30_000,
    );
    await waitUntil(() => tab.socket.connected);
    const truth = (await a.client.get(`/api/orgs/${a.orgId}/calls/${call.id}`)).json();
    await waitUntil(
      () => known.get(call.id)?.version === truth.version,
      10_000,
      'the reconnected client did not catch up',
    );
    expect(known.get(call.id)).toEqual({ status: truth.status, version: truth.version });
    expect(tab.socket.recovered || refetched > 0).toBe(true);
  });

  it('sends call events only where someone watches, and replays them to a client that dropped', async () => {
    const a = await orgWithAgent('Audience');
    const realtime = t.app.automitra.realtime;
    const connections = async () =>
      Number(/^automitra_realtime_connections (\d+)$/m.exec((await t.app.inject('/metrics')).body)?.[1]);
    // Nobody has connected to this organization: its events are not sent, so not kept for anyone.
    expect(realtime.watching(a.orgId)).toBe(false);
    const call = (
      await a.client.post(`/api/orgs/${a.orgId}/calls`, { agentId: a.agent.id, toNumber: '+919876543215' })
    ).json();

    const tab = track(await connectSocket(t.url, { cookie: a.client.cookie }));
    expect(realtime.watching(a.orgId)).toBe(true);
    // An event received before the drop: where the replay starts from.
    realtime.callUpdated({ ...call, version: 998 }, ['status']);
    await waitUntil(() => tab.events.some((e) => e.callId === call.id && e.version === 998));
    const before = await connections();
    tab.socket.io.reconnection(false);
    tab.socket.io.engine.close(); // the network drops, and the client waits before coming back
    await waitUntil(
      async () => (await connections()) === before - 1,
      5_000,
      'the server did not see the drop',
    );
    // Its session waits for it with the organization's room: the organization is still watched.
    expect(realtime.watching(a.orgId)).toBe(true);
    realtime.callUpdated({ ...call, version: 999 }, ['status']);

    tab.socket.connect();
    await waitUntil(() => tab.socket.connected);
    expect(tab.socket.recovered).toBe(true);
    await waitUntil(
      () => tab.events.some((e) => e.callId === call.id && e.version === 999),
      5_000,
      'the event missed while disconnected was not replayed',
    );
  });

  it('disconnects the sockets of a revoked key, a removed member and a signed-out session', async () => {
    const a = await orgWithAgent('Revoke');
    const key = await apiKeyClient(t.app, a.client, a.orgId);
    const member = await addMember(t.app, a.client, a.orgId, 'member');
    const keySocket = track(await connectSocket(t.url, { apiKey: key.key }));
    const memberSocket = track(await connectSocket(t.url, { cookie: member.client.cookie }));
    const ownerSocket = track(await connectSocket(t.url, { cookie: a.client.cookie }));
    const reasons: Record<string, string> = {};
    keySocket.socket.on('disconnect', (r) => (reasons.key = r));
    memberSocket.socket.on('disconnect', (r) => (reasons.member = r));
    ownerSocket.socket.on('disconnect', (r) => (reasons.owner = r));

    expect((await a.client.delete(`/api/orgs/${a.orgId}/api-keys/${key.id}`)).statusCode).toBe(204);
    await waitUntil(() => reasons.key === 'io server disconnect');
    await expect(connectSocket(t.url, { apiKey: key.key })).rejects.toThrow(/unauthorized/);

    expect((await a.client.delete(`/api/orgs/${a.orgId}/members/${member.userId}`)).statusCode).toBe(204);
    await waitUntil(() => reasons.member === 'io server disconnect');

    expect((await a.client.post('/api/auth/logout')).statusCode).toBe(204);
    await waitUntil(() => reasons.owner === 'io server disconnect');
  });
});
