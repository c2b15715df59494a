/**
 * Organizations for `npm run bench:realtime`, made through the platform's public HTTP API as a user
 * would: sign up (one owner and one organization each, keeping the session cookie), create an agent
 * (pushed to the simulator with the organization's webhook URL), read the webhook token, create API
 * keys. Unlike `createOrganizations` (platform.ts, in-process `inject`), this talks to a server in
 * another process and returns the credentials the Socket.IO clients need.
 */
import { randomBytes } from 'node:crypto';

export interface RealtimeOrganization {
  id: string;
  index: number;
  /** The owner's session cookie, `automitra_session=…`. */
  cookie: string;
  /** Viewer API keys of the organization. */
  apiKeys: string[];
  /** The Bolna agent id of the organization's agent. */
  providerAgentId: string;
  /** The webhook path with the organization's token, as its agents are configured at Bolna. */
  webhookPath: string;
}

async function request(
  baseUrl: string,
  method: 'GET' | 'POST',
  path: string,
  expected: number,
  options: { cookie?: string; body?: unknown } = {},
): Promise<Response> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(options.cookie ? { cookie: options.cookie } : {}),
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  if (res.status !== expected) {
    throw new Error(`${method} ${path} answered ${res.status} (expected ${expected}): ${await res.text()}`);
  }
  return res;
}

async function createOne(baseUrl: string, index: number, apiKeys: number): Promise<RealtimeOrganization> {
  const signup = await request(baseUrl, 'POST', '/api/auth/signup', 201, {
    body: {
      email: `bench-rt-${index}-${randomBytes(4).toString('hex')}@example.test`,
      password: 'a long benchmark password',
      name: `Realtime owner ${index}`,
      organizationName: `Realtime org ${index}`,
    },
  });
  const session = signup.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .find((c) => c.startsWith('automitra_session='));
  if (!session) throw new Error('signup set no session cookie');
  const orgId = ((await signup.json()) as { organization: { id: string } }).organization.id;
  const agent = (await (
    await request(baseUrl, 'POST', `/api/orgs/${orgId}/agents`, 201, {
      cookie: session,
      body: {
        name: `Outbound agent ${index}`,
        welcomeMessage: 'Hello {name}! This is Maya from Acme Broadband. Do you have a minute?',
        systemPrompt: 'You are Maya, a polite sales assistant for Acme Broadband. Be brief.',
      },
    })
  ).json()) as { providerAgentId: string | null; syncStatus: string; webhookOk: boolean };
  if (!agent.providerAgentId || agent.syncStatus !== 'synced' || !agent.webhookOk) {
    throw new Error(`agent not synced to the simulator: ${JSON.stringify(agent)}`);
  }
  const webhook = (await (
    await request(baseUrl, 'GET', `/api/orgs/${orgId}/webhook`, 200, { cookie: session })
  ).json()) as { url: string };
  const keys: string[] = [];
  for (let k = 0; k < apiKeys; k += 1) {
    const created = (await (
      await request(baseUrl, 'POST', `/api/orgs/${orgId}/api-keys`, 201, {
        cookie: session,
        body: { name: `dashboard ${k}`, role: 'viewer' },
      })
    ).json()) as { key: string };
    keys.push(created.key);
  }
  const url = new URL(webhook.url);
  return {
    id: orgId,
    index,
    cookie: session,
    apiKeys: keys,
    providerAgentId: agent.providerAgentId,
    webhookPath: `${url.pathname}${url.search}`,
  };
}

/** `count` organizations, `concurrency` at a time, in index order. */
export async function createRealtimeOrganizations(
  baseUrl: string,
  count: number,
  apiKeysPerOrg: number,
  concurrency = 4,
): Promise<RealtimeOrganization[]> {
  const out: RealtimeOrganization[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      out[index] = await createOne(baseUrl, index, apiKeysPerOrg);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return out;
}
