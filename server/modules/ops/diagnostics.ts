/** What an operator checks first: Bolna reachable, each agent's webhook URL at Bolna, stuck calls. */
import { and, count, eq, inArray, lt } from 'drizzle-orm';
import { ACTIVE_STATUSES } from '../../../common/call-status.js';
import type { AppContext } from '../../context.js';
import { calls } from '../../db/schema.js';
import { BolnaError } from '../../providers/bolna/index.js';
import { listAgents, updateAgent } from '../agents/agents.repository.js';
import { BOLNA_WEBHOOK_PATH, getWebhookSettings } from '../orgs/orgs.service.js';

export async function diagnose(ctx: AppContext, organizationId: string) {
  let bolnaError: string | null = null;
  try {
    await ctx.bolna.listAgents();
  } catch (err) {
    bolnaError = err instanceof BolnaError ? err.message : String(err);
  }
  const { url: expected } = await getWebhookSettings(ctx, organizationId);
  const agents = [];
  for (const agent of await listAgents(ctx.db, organizationId)) {
    let bolnaWebhookUrl: string | null = null;
    let error: string | null = null;
    if (!agent.providerAgentId)
      error = `not on Bolna (sync ${agent.syncStatus}${agent.syncError ? `: ${agent.syncError}` : ''})`;
    else if (bolnaError) error = 'Bolna could not be reached';
    else {
      try {
        bolnaWebhookUrl = (await ctx.bolna.getAgent(agent.providerAgentId)).webhookUrl;
        await updateAgent(ctx.db, agent.id, {
          webhookUrl: bolnaWebhookUrl,
          webhookOk: bolnaWebhookUrl === expected,
        });
      } catch (err) {
        error = err instanceof BolnaError ? err.message : String(err);
      }
    }
    const ok = error === null && bolnaWebhookUrl === expected;
    if (!ok && error === null) {
      error = `Bolna sends this agent's webhooks to ${bolnaWebhookUrl ?? 'nowhere'}; run \`automitra webhooks configure\``;
    }
    agents.push({
      agentId: agent.id,
      name: agent.name,
      providerAgentId: agent.providerAgentId,
      expectedWebhookUrl: expected,
      bolnaWebhookUrl,
      ok,
      error,
    });
  }
  const cutoff = new Date(ctx.now().getTime() - ctx.config.polling.staleAfterMs);
  const stuck = await ctx.db
    .select({ status: calls.status, n: count() })
    .from(calls)
    .where(
      and(
        eq(calls.organizationId, organizationId),
        inArray(calls.status, ACTIVE_STATUSES),
        lt(calls.createdAt, cutoff),
      ),
    )
    .groupBy(calls.status);
  const byStatus = Object.fromEntries(stuck.map((r) => [r.status, Number(r.n)]));
  return {
    bolna: {
      reachable: bolnaError === null,
      demo: ctx.config.bolna.demo,
      baseUrl: ctx.config.bolna.demo ? 'built-in simulator' : ctx.config.bolna.baseUrl,
      error: bolnaError,
    },
    webhookBaseUrl: `${ctx.config.publicWebhookUrl}${BOLNA_WEBHOOK_PATH}`,
    expectedWebhookUrl: expected,
    agents,
    stuckCalls: {
      olderThanMinutes: ctx.config.polling.staleAfterMs / 60_000,
      byStatus,
      total: Object.values(byStatus).reduce((a, b) => a + b, 0),
    },
  };
}
