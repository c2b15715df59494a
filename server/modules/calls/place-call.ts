/**
 * Placing a call at Bolna without ever ringing someone twice. POST /call is not idempotent, so a
 * timeout or a 5xx leaves us not knowing whether Bolna placed it. Every call we place carries our
 * call id in its `user_data` (`automitra_call_id`); after an ambiguous failure we look for an
 * execution of the agent that carries it, adopt it if found, and only otherwise try again.
 */
import {
  BolnaUnavailableError,
  type BolnaClient,
  type ProviderCallSnapshot,
  type StartCallInput,
} from '../../providers/bolna/index.js';

/** The `user_data` key that ties a Bolna execution to our call. */
export const CALL_MARKER_KEY = 'automitra_call_id';

export interface PlaceCallOptions {
  attempts?: number;
  /** Waits between attempts; injected by tests. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => Date;
}

/** The call id our marker carries in an execution, if any. */
export function markerOf(snapshot: Pick<ProviderCallSnapshot, 'raw'>): string | null {
  const context = snapshot.raw.context_details as { recipient_data?: Record<string, unknown> } | undefined;
  const direct = snapshot.raw.user_data as Record<string, unknown> | undefined;
  const value = context?.recipient_data?.[CALL_MARKER_KEY] ?? direct?.[CALL_MARKER_KEY];
  return typeof value === 'string' ? value : null;
}

/**
 * Starts the call and returns Bolna's execution id. Throws the last Bolna error when every attempt
 * failed (a refusal such as an invalid number is thrown at once: retrying would not help).
 */
export async function placeCall(
  bolna: BolnaClient,
  callId: string,
  input: StartCallInput,
  options: PlaceCallOptions = {},
): Promise<string> {
  const attempts = options.attempts ?? 4;
  const sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  const now = options.now ?? (() => new Date());
  const startedAt = now();
  const body: StartCallInput = { ...input, userData: { ...input.userData, [CALL_MARKER_KEY]: callId } };
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      return (await bolna.startCall(body)).executionId;
    } catch (err) {
      if (!(err instanceof BolnaUnavailableError)) throw err;
      lastError = err;
      if (err.outcomeUnknown) {
        const adopted = await findPlacedCall(bolna, input.agentId, callId, startedAt, now).catch(() => null);
        if (adopted) return adopted;
      }
      if (attempt < attempts) await sleep(250 * 2 ** (attempt - 1));
    }
  }
  throw lastError;
}

async function findPlacedCall(
  bolna: BolnaClient,
  agentId: string,
  callId: string,
  since: Date,
  now: () => Date,
): Promise<string | null> {
  const from = new Date(since.getTime() - 60_000);
  const to = new Date(now().getTime() + 60_000);
  for await (const item of bolna.listAgentExecutions(agentId, { from, to })) {
    if (markerOf(item) === callId) return item.providerCallId;
    // List items are trimmed: the marker lives in the full execution.
    const full = await bolna.getExecution(item.providerCallId);
    if (markerOf(full) === callId) return full.providerCallId;
  }
  return null;
}
