/**
 * Operator chores against Bolna, per organization: point every agent's webhook at us, push every
 * agent again, and pull call history from Bolna through the same merge as webhooks.
 */
import type { AppContext } from '../../context.js';
import { BolnaError, type ProviderCallSnapshot } from '../../providers/bolna/index.js';
import { pushAgent } from '../agents/agent-sync.js';
import { listAgents, updateAgent } from '../agents/agents.repository.js';
import { findCallByProviderId } from '../calls/calls.repository.js';
import { ingestApiSnapshot } from '../calls/poll.js';
import { BOLNA_WEBHOOK_PATH, getWebhookSettings } from '../orgs/orgs.service.js';

/**
 * Makes Bolna post every agent's webhooks to this organization's URL (with `baseUrl` instead of
 * `PUBLIC_WEBHOOK_URL` when given). Idempotent: an agent already pointing at us is left alone.
 */
export async function configureWebhooks(ctx: AppContext, organizationId: string, baseUrl?: string) {
  const { token, url: expected } = await getWebhookSettings(ctx, organizationId);
  const target = baseUrl
    ? `${baseUrl.replace(/\/+$/, '')}${BOLNA_WEBHOOK_PATH}?token=${encodeURIComponent(token)}`
    : expected;
  const results = [];
  for (const agent of await listAgents(ctx.db, organizationId)) {
    const result = {
      agentId: agent.id,
      name: agent.name,
      providerAgentId: agent.providerAgentId,
      before: null as string | null,
      after: null as string | null,
      changed: false,
      error: null as string | null,
    };
    try {
      if (!agent.providerAgentId) {
        // Not on Bolna yet: pushing it creates it with the expected URL.
        const pushed = await pushAgent(ctx, agent.id);
        result.providerAgentId = pushed.providerAgentId;
        result.after = pushed.webhookUrl;
        result.changed = pushed.providerAgentId !== null;
        result.error = pushed.syncStatus === 'synced' ? null : pushed.syncError;
      } else {
        result.before = (await ctx.bolna.getAgent(agent.providerAgentId)).webhookUrl;
        if (result.before !== target) {
          await ctx.bolna.patchAgent(agent.providerAgentId, { agent_config: { webhook_url: target } });
          result.changed = true;
        }
        result.after = (await ctx.bolna.getAgent(agent.providerAgentId)).webhookUrl;
        await updateAgent(ctx.db, agent.id, {
          webhookUrl: result.after,
          webhookOk: result.after === expected,
        });
        if (result.after !== target) result.error = `Bolna still reports ${result.after ?? 'no webhook URL'}`;
      }
    } catch (err) {
      if (!(err instanceof BolnaError)) throw err;
      result.error = err.message;
    }
    results.push(result);
  }
  return { data: results };
}

/** Pushes every agent of the organization to Bolna; the answer says which failed and why. */
export async function syncAllAgents(ctx: AppContext, organizationId: string) {
  const data = [];
  for (const agent of await listAgents(ctx.db, organizationId)) {
    const row = await pushAgent(ctx, agent.id);
    data.push({ agentId: row.id, name: row.name, syncStatus: row.syncStatus, syncError: row.syncError });
  }
  return { data };
}

/**
 * Pulls every execution of every agent since `since` (default: 7 days) from Bolna, fetching each
 * in full, and merges it as a `sync` delivery: unknown executions become calls, known ones are
 * corrected only where Bolna's API says more than we know.
 */
export async function syncCalls(ctx: AppContext, organizationId: string, since?: Date) {
  const report = { agents: 0, created: 0, updated: 0, unchanged: 0, failed: 0, errors: [] as string[] };
  const to = ctx.now();
  const from = since ?? new Date(to.getTime() - 7 * 24 * 3_600_000);
  for (const agent of await listAgents(ctx.db, organizationId)) {
    if (!agent.providerAgentId) continue;
    report.agents++;
    try {
      for await (const item of ctx.bolna.listAgentExecutions(agent.providerAgentId, { from, to })) {
        let full: ProviderCallSnapshot;
        try {
          full = await ctx.bolna.getExecution(item.providerCallId);
        } catch (err) {
          if (!(err instanceof BolnaError)) throw err;
          report.failed++;
          report.errors.push(`${item.providerCallId}: ${err.message}`);
          continue;
        }
        const known = await findCallByProviderId(ctx.db, organizationId, full.providerCallId);
        const outcome = await ingestApiSnapshot(ctx, { id: known?.id, organizationId }, full, 'sync');
        if (!outcome) report.unchanged++;
        else if (outcome.created) report.created++;
        else if (outcome.changed.length > 0) report.updated++;
        else report.unchanged++;
      }
    } catch (err) {
      if (!(err instanceof BolnaError)) throw err;
      report.failed++;
      report.errors.push(`agent "${agent.name}": ${err.message}`);
    }
  }
  return report;
}
