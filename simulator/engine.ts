import { planCall } from './call-plan.js';
import { TERMINAL, executionBody, naiveTimestamp, type ExecutionRecord } from './execution.js';
import type { SimulatorKnobs } from './knobs.js';
import { QUEUE_MS, timelineFor, type Step } from './lifecycle.js';
import { Rng } from './random.js';
import { Timers } from './timers.js';
import { WebhookDispatcher } from './webhooks.js';

/**
 * The simulator's state and call lifecycle, without HTTP. Each accepted call walks a timeline of Bolna
 * statuses driven by timers (scaled by `timeScale`); every status change updates the record (what GET
 * returns) and emits one webhook (which may then be dropped, duplicated or delayed).
 */

/** An agent as stored: its `agent_config` and prompts, owned by the API key that created it. */
export interface AgentRecord {
  id: string;
  ownerKey: string;
  config: Record<string, unknown>;
  prompts: Record<string, unknown> | null;
  createdAt: string;
  updatedAt: string;
}

/** What POST /call carries once validated. */
export interface CallRequest {
  agent: AgentRecord;
  ownerKey: string;
  recipient: string;
  fromNumber: string | null;
  userData: Record<string, unknown> | null;
  /** Already validated; null = now. */
  scheduledAt: Date | null;
}

/** Number used as caller id when the request names none. */
export const DEFAULT_FROM_NUMBER = '+918035735900';

/** One Bolna API request as the simulator answered it (`GET /__sim/requests`). */
export interface RequestRecord {
  method: string;
  /** Path and query as received. */
  url: string;
  status: number;
  at: string;
}

const MAX_REQUEST_LOG = 20_000;

/** State + lifecycle of one running simulator. */
export class SimulatorEngine {
  readonly agents = new Map<string, AgentRecord>();
  readonly executions = new Map<string, ExecutionRecord>();
  readonly timers = new Timers();
  readonly webhooks: WebhookDispatcher;
  readonly requests: RequestRecord[] = [];
  private agentSequence = 0;
  private callSequence = 0;
  private deliveryRng: Rng;
  private apiRng: Rng;

  constructor(
    private knobsValue: SimulatorKnobs,
    public publicUrl: string,
  ) {
    this.deliveryRng = Rng.stream(knobsValue.seed, 'delivery');
    this.apiRng = Rng.stream(knobsValue.seed, 'api');
    this.webhooks = new WebhookDispatcher(
      () => this.knobsValue,
      () => this.deliveryRng,
      this.timers,
    );
  }

  get knobs(): SimulatorKnobs {
    return this.knobsValue;
  }

  /** Applies validated knob changes; a new seed restarts the delivery and API fault streams. */
  setKnobs(patch: Partial<SimulatorKnobs>): SimulatorKnobs {
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    this.knobsValue = { ...this.knobsValue, ...defined };
    if (patch.seed !== undefined) {
      this.deliveryRng = Rng.stream(patch.seed, 'delivery');
      this.apiRng = Rng.stream(patch.seed, 'api');
    }
    return this.knobsValue;
  }

  /** The stream deciding injected API failures. */
  get apiFaults(): Rng {
    return this.apiRng;
  }

  /** Stores a new agent with an id derived from the seed and the agent's sequence number. */
  createAgent(
    ownerKey: string,
    config: Record<string, unknown>,
    prompts: Record<string, unknown> | null,
  ): AgentRecord {
    this.agentSequence += 1;
    const now = naiveTimestamp(new Date());
    const agent: AgentRecord = {
      id: Rng.stream(this.knobsValue.seed, 'agent', this.agentSequence).uuid(),
      ownerKey,
      config,
      prompts,
      createdAt: now,
      updatedAt: now,
    };
    this.agents.set(agent.id, agent);
    return agent;
  }

  /** Accepts a call and starts its lifecycle. */
  startCall(req: CallRequest): ExecutionRecord {
    this.callSequence += 1;
    const plan = planCall({
      seed: this.knobsValue.seed,
      sequence: this.callSequence,
      outcomes: this.knobsValue.outcomes,
      welcomeMessage:
        typeof req.agent.config.agent_welcome_message === 'string'
          ? req.agent.config.agent_welcome_message
          : null,
      recipient: req.recipient,
      userData: req.userData,
    });
    const nowMs = Date.now();
    const now = naiveTimestamp(new Date(nowMs));
    const delayMs = req.scheduledAt ? Math.max(0, req.scheduledAt.getTime() - nowMs) : 0;
    const rec: ExecutionRecord = {
      sequence: this.callSequence,
      id: plan.executionId,
      agentId: req.agent.id,
      ownerKey: req.ownerKey,
      plan,
      recipient: req.recipient,
      fromNumber: req.fromNumber ?? DEFAULT_FROM_NUMBER,
      userData: req.userData,
      scheduledAt: req.scheduledAt ? naiveTimestamp(req.scheduledAt) : null,
      status: delayMs > 0 ? 'scheduled' : 'queued',
      history: [],
      createdAtMs: nowMs,
      createdAt: now,
      updatedAt: now,
      initiatedAt: null,
      webhookUrl: webhookUrlOf(req.agent),
      timer: null,
    };
    rec.history.push(rec.status);
    this.executions.set(rec.id, rec);
    if (this.knobsValue.queuedWebhook) this.emit(rec);
    const steps = timelineFor(rec.plan, this.knobsValue.completedDelayMs);
    if (delayMs > 0) steps.unshift({ status: 'queued', afterMs: delayMs });
    this.runSteps(rec, steps);
    return rec;
  }

  /** Stops a queued or scheduled call; returns false when it is past that point. */
  stopCall(rec: ExecutionRecord): boolean {
    if (rec.status !== 'queued' && rec.status !== 'scheduled') return false;
    this.timers.cancel(rec.timer);
    rec.timer = null;
    this.transition(rec, 'stopped');
    return true;
  }

  /**
   * Adds finished executions in the past without webhooks: `count` calls spread evenly over [from, to],
   * for tests of listing, paging and windows.
   */
  seedHistory(agent: AgentRecord, count: number, from: Date, to: Date): ExecutionRecord[] {
    const created: ExecutionRecord[] = [];
    const span = Math.max(0, to.getTime() - from.getTime());
    for (let i = 0; i < count; i += 1) {
      this.callSequence += 1;
      const plan = planCall({
        seed: this.knobsValue.seed,
        sequence: this.callSequence,
        outcomes: this.knobsValue.outcomes,
        welcomeMessage:
          typeof agent.config.agent_welcome_message === 'string' ? agent.config.agent_welcome_message : null,
        recipient: '+919800000000',
        userData: null,
      });
      const at = from.getTime() + (count > 1 ? Math.round((span * i) / (count - 1)) : 0);
      const rec: ExecutionRecord = {
        sequence: this.callSequence,
        id: plan.executionId,
        agentId: agent.id,
        ownerKey: agent.ownerKey,
        plan,
        recipient: `+9198${String(10_000_000 + i).slice(-8)}`,
        fromNumber: DEFAULT_FROM_NUMBER,
        userData: null,
        scheduledAt: null,
        status: plan.finalStatus,
        history: ['queued', 'initiated', plan.finalStatus],
        createdAtMs: at,
        createdAt: naiveTimestamp(new Date(at)),
        updatedAt: naiveTimestamp(new Date(at + 60_000)),
        initiatedAt: plan.outcome === 'balance-low' ? null : naiveTimestamp(new Date(at + QUEUE_MS)),
        webhookUrl: null,
        timer: null,
      };
      this.executions.set(rec.id, rec);
      created.push(rec);
    }
    return created;
  }

  /** Appends to the request log (bounded). */
  logRequest(entry: RequestRecord): void {
    this.requests.push(entry);
    if (this.requests.length > MAX_REQUEST_LOG)
      this.requests.splice(0, this.requests.length - MAX_REQUEST_LOG);
  }

  /** True when every call is in a terminal status and no webhook is pending. */
  isIdle(): boolean {
    for (const rec of this.executions.values()) if (!TERMINAL.has(rec.status)) return false;
    return this.webhooks.pending === 0;
  }

  /** Forgets agents, executions, the delivery and request logs; sequence numbers keep counting (ids stay unique). */
  reset(): void {
    this.timers.clear();
    this.webhooks.reset();
    this.agents.clear();
    this.executions.clear();
    this.requests.length = 0;
  }

  /** Stops every timer and delivery. */
  close(): void {
    this.timers.close();
    this.webhooks.close();
  }

  /** Chains the steps: each timer is set when the previous step fires, so order is guaranteed. */
  private runSteps(rec: ExecutionRecord, steps: Step[]): void {
    const [step, ...rest] = steps;
    if (!step) return;
    rec.timer = this.timers.after(step.afterMs * this.knobsValue.timeScale, () => {
      rec.timer = null;
      this.transition(rec, step.status);
      this.runSteps(rec, rest);
    });
  }

  private transition(rec: ExecutionRecord, status: string): void {
    const now = naiveTimestamp(new Date());
    rec.status = status;
    rec.history.push(status);
    rec.updatedAt = now;
    if (status === 'initiated') rec.initiatedAt = now;
    this.emit(rec);
  }

  private emit(rec: ExecutionRecord): void {
    const agent = this.agents.get(rec.agentId);
    const url = agent ? webhookUrlOf(agent) : rec.webhookUrl;
    this.webhooks.emit(rec.id, rec.status, url, executionBody(rec, this.publicUrl));
  }
}

/** The agent's `agent_config.webhook_url` (null when absent or empty). */
export function webhookUrlOf(agent: AgentRecord): string | null {
  const url = agent.config.webhook_url;
  return typeof url === 'string' && url.trim() !== '' ? url.trim() : null;
}
