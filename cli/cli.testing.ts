/**
 * Test helpers for the CLI: run a command line in-process with captured streams, an empty
 * environment and a temporary home, and build organizations with agents on a test app.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { apiKeyClient, signUp, type Client, type TestApp } from '../test/app.js';
import type { ExitCode } from './errors.js';
import { run } from './program.js';

/** A stream that keeps what is written; `isTTY` pretends to be a terminal. */
export class Capture extends Writable {
  private chunks: Buffer[] = [];
  columns = 100;

  constructor(readonly isTTY = false) {
    super();
  }

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: () => void): void {
    this.chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    callback();
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

export interface CliRun {
  code: ExitCode;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON. */
  json<T = Record<string, unknown>>(): T;
}

export interface RunOptions {
  env?: Record<string, string>;
  home?: string;
  cwd?: string;
  /** Pretend stderr is a terminal (progress bars). */
  stderrTTY?: boolean;
}

/** A temporary folder, removed by `cleanup()`. */
export async function tempDir(label = 'cli'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), `automitra-${label}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Runs `automitra <argv>` in-process; nothing from the real environment or home leaks in. */
export async function runCli(argv: string[], options: RunOptions = {}): Promise<CliRun> {
  const stdout = new Capture();
  const stderr = new Capture(options.stderrTTY ?? false);
  const home = options.home ?? path.join(tmpdir(), 'automitra-no-home');
  const code = await run(argv, {
    stdout,
    stderr,
    env: { XDG_CONFIG_HOME: path.join(home, '.config'), ...options.env },
    cwd: options.cwd ?? home,
    home,
    now: () => new Date(),
  });
  const out = stdout.text();
  return {
    code,
    stdout: out,
    stderr: stderr.text(),
    json<T>() {
      try {
        return JSON.parse(out) as T;
      } catch {
        throw new Error(`stdout is not JSON (exit ${code}):\n${out}\nstderr:\n${stderr.text()}`);
      }
    },
  };
}

export interface TestOrg {
  orgId: string;
  name: string;
  /** A signed-in owner. */
  owner: Client;
  /** An admin API key of the organization. */
  key: string;
  agents: { id: string; name: string; providerAgentId: string }[];
}

/** A new organization with an admin API key and `agentNames` agents synced to the simulator. */
export async function createOrg(
  t: TestApp,
  name: string,
  agentNames: string[] = ['Receptionist'],
): Promise<TestOrg> {
  const { client, orgId } = await signUp(t.app, { organizationName: name });
  const { key } = await apiKeyClient(t.app, client, orgId, 'admin');
  const agents = [];
  for (const agentName of agentNames) {
    const res = await client.post(`/api/orgs/${orgId}/agents`, { name: agentName, welcomeMessage: 'Hello!' });
    if (res.statusCode !== 201) throw new Error(`agent failed: ${res.statusCode} ${res.body}`);
    const agent = res.json() as { id: string; name: string; providerAgentId: string };
    agents.push({ id: agent.id, name: agent.name, providerAgentId: agent.providerAgentId });
  }
  return { orgId, name, owner: client, key, agents };
}

/** Points an agent's webhook somewhere else, directly at the simulator (as a stray dashboard edit would). */
export async function misrouteAgent(t: TestApp, providerAgentId: string): Promise<void> {
  const res = await fetch(`${t.simulator.url}/v2/agent/${providerAgentId}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${t.simulator.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ agent_config: { webhook_url: 'https://wrong.example/hook' } }),
  });
  if (!res.ok) throw new Error(`simulator PATCH failed: ${res.status} ${await res.text()}`);
}

/** The webhook URL Bolna (the simulator) holds for an agent. */
export async function webhookAtBolna(t: TestApp, providerAgentId: string): Promise<string | undefined> {
  const res = await fetch(`${t.simulator.url}/v2/agent/${providerAgentId}`, {
    headers: { authorization: `Bearer ${t.simulator.apiKey}` },
  });
  const body = (await res.json()) as { webhook_url?: string; agent_config?: { webhook_url?: string } };
  return body.agent_config?.webhook_url ?? body.webhook_url;
}

/** Adds `count` finished executions of an agent to the simulator's history (no webhooks). */
export async function seedHistory(t: TestApp, providerAgentId: string, count: number): Promise<void> {
  const to = new Date();
  const from = new Date(to.getTime() - 2 * 86_400_000);
  const res = await fetch(`${t.simulator.url}/__sim/history`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      agent_id: providerAgentId,
      count,
      from: from.toISOString(),
      to: to.toISOString(),
    }),
  });
  if (!res.ok) throw new Error(`history failed: ${res.status} ${await res.text()}`);
}

/** A loopback port nothing listens on (taken, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
