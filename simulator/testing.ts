import type { RunningSimulator } from './server.js';

/**
 * Raw-HTTP helpers for tests that talk to the simulator exactly as Bolna's API is spoken (no client in
 * between), so the simulator's own shapes and status codes are what gets asserted.
 */

/** A raw answer: status, headers and parsed JSON (or text). */
export interface RawAnswer {
  status: number;
  headers: Headers;
  body: unknown;
}

/** A typed JSON object from a raw answer (tests assert the shape separately). */
export type Json = Record<string, unknown>;

/** A minimal Bolna-speaking HTTP helper bound to one simulator. */
export function simApi(sim: RunningSimulator, apiKey: string | null = sim.apiKey) {
  async function request(
    method: string,
    path: string,
    body?: unknown,
    key: string | null = apiKey,
  ): Promise<RawAnswer> {
    const headers: Record<string, string> = {};
    if (key !== null) headers.authorization = `Bearer ${key}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${sim.url}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      // keep text
    }
    return { status: res.status, headers: res.headers, body: parsed };
  }

  return {
    request,
    /** Creates an agent with a minimal valid body; returns its id. */
    async createAgent(webhookUrl: string | null, welcome = 'Hello from the simulator!'): Promise<string> {
      const res = await request('POST', '/v2/agent', {
        agent_config: {
          agent_name: 'Test agent',
          agent_welcome_message: welcome,
          agent_type: 'other',
          webhook_url: webhookUrl,
          tasks: [
            {
              task_type: 'conversation',
              tools_config: { llm_agent: {}, synthesizer: {}, transcriber: {}, input: {}, output: {} },
              toolchain: { execution: 'parallel', pipelines: [['transcriber', 'llm', 'synthesizer']] },
              task_config: {},
            },
          ],
        },
        agent_prompts: { task_1: { system_prompt: 'Be brief.' } },
      });
      if (res.status !== 201)
        throw new Error(`createAgent answered ${res.status}: ${JSON.stringify(res.body)}`);
      return (res.body as Json).agent_id as string;
    },
    /** Places a call; returns the execution id. */
    async startCall(agentId: string, extra: Json = {}): Promise<string> {
      const res = await request('POST', '/call', {
        agent_id: agentId,
        recipient_phone_number: '+919876543210',
        ...extra,
      });
      if (res.status !== 200)
        throw new Error(`startCall answered ${res.status}: ${JSON.stringify(res.body)}`);
      return (res.body as Json).execution_id as string;
    },
    async getExecution(id: string): Promise<Json> {
      const res = await request('GET', `/executions/${id}`);
      if (res.status !== 200) throw new Error(`getExecution answered ${res.status}`);
      return res.body as Json;
    },
  };
}

/** Naive ISO with microseconds and no zone, like real Bolna payloads. */
export const NAIVE_MICROS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/;
