/** `automitra agents sync`. */
import type { Command } from 'commander';
import { LONG_TIMEOUT_MS } from '../api.js';
import { AgentSyncResult, type AgentSyncRow } from '../contract.js';
import { withExamples, type CommandContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { renderTable } from '../output.js';
import { orgPath, resolveTargets, type OrgTarget } from '../targets.js';

interface OrgSynced extends OrgTarget {
  agents: AgentSyncRow[];
  /** Set when the organization could not be synced at all. */
  error: string | null;
}

export function registerAgents(program: Command, ctx: CommandContext): void {
  const agents = program.command('agents').description('voice agents at Bolna');

  const sync = agents
    .command('sync')
    .description("push every agent's configuration to Bolna; lists failures and exits 1 if any agent failed")
    .option('--org <id>', 'one organization')
    .option('--all', 'every organization (needs ADMIN_TOKEN as the key)')
    .action(async (options: { org?: string; all?: boolean }, cmd: Command) => {
      const out = ctx.output(cmd);
      const api = await ctx.api(cmd);
      const orgs = await resolveTargets(api, options, 'required');
      const results: OrgSynced[] = [];
      for (const org of orgs) {
        try {
          const { data } = await api.post(orgPath(org.id, '/agents/sync'), AgentSyncResult, {
            timeoutMs: LONG_TIMEOUT_MS,
          });
          results.push({ ...org, agents: data, error: null });
        } catch (err) {
          if (!(err instanceof CliError) || orgs.length === 1) throw err;
          results.push({ ...org, agents: [], error: err.message });
        }
      }
      const all = results.flatMap((r) => r.agents);
      const failedAgents = all.filter((a) => a.syncStatus !== 'synced');
      const failedOrgs = results.filter((r) => r.error);
      const ok = failedAgents.length === 0 && failedOrgs.length === 0;
      if (!ok) ctx.fail(EXIT.failed);
      out.result({ ok, organizations: results }, () => {
        const rows = results.flatMap((org) =>
          org.error
            ? [{ org, agent: null }]
            : org.agents.map((agent) => ({ org, agent: agent as AgentSyncRow | null })),
        );
        const table = rows.length
          ? renderTable(rows, [
              ...(orgs.length > 1
                ? [{ header: 'ORGANIZATION', value: (r: (typeof rows)[number]) => r.org.name }]
                : []),
              { header: 'AGENT', value: (r) => r.agent?.name },
              { header: 'STATUS', value: (r) => (r.org.error ? 'failed' : r.agent?.syncStatus) },
              { header: 'ERROR', value: (r) => r.org.error ?? r.agent?.syncError },
            ])
          : 'No agents.\n';
        const summary = `${all.length} agents: ${all.length - failedAgents.length} synced, ${failedAgents.length} not synced${
          failedOrgs.length ? `, ${failedOrgs.length} organizations failed` : ''
        }\n`;
        const fix = ok
          ? ''
          : '  → check Bolna with `automitra doctor`, then run this again; pending agents are retried in the background\n';
        return table + summary + fix;
      });
    });
  withExamples(
    sync,
    'automitra agents sync --org 2b0c…-…',
    'automitra agents sync --all --key "$ADMIN_TOKEN"',
  );
}
