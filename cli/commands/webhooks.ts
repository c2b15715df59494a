/** `automitra webhooks configure | test`. */
import type { Command } from 'commander';
import { LONG_TIMEOUT_MS } from '../api.js';
import { normaliseUrl } from '../config.js';
import { WebhookConfigureResult, WebhookSettings, type WebhookConfigureRow } from '../contract.js';
import { withExamples, type CommandContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { maskToken, renderTable } from '../output.js';
import { findOrg, orgPath, resolveTargets, type OrgTarget } from '../targets.js';
import { sendTestDelivery } from '../webhook-checks.js';

interface OrgConfigured extends OrgTarget {
  agents: WebhookConfigureRow[];
  /** Set when the organization could not be configured at all. */
  error: string | null;
}

export function registerWebhooks(program: Command, ctx: CommandContext): void {
  const webhooks = program.command('webhooks').description("Bolna agents' webhook URLs and the receiver");

  const configure = webhooks
    .command('configure')
    .description(
      "point every agent's webhook_url at Bolna to this platform's receiver; reports per agent what " +
        'changed (before → after); running it again changes nothing',
    )
    .option('--org <id>', 'one organization')
    .option('--all', 'every organization (needs ADMIN_TOKEN as the key)')
    .option(
      '--url <public base>',
      'the public base URL Bolna reaches (default: the server’s PUBLIC_WEBHOOK_URL); the platform’s own ' +
        'URL then goes before the command (`automitra --url <platform> webhooks configure …`) or in AUTOMITRA_URL',
    )
    .action(async (options: { org?: string; all?: boolean }, cmd: Command) => {
      const out = ctx.output(cmd);
      // `--url` of this command is the public webhook base; the global `--url` is the platform.
      const baseUrl = cmd.getOptionValue('url') as string | undefined;
      const body = baseUrl ? { baseUrl: normaliseUrl(baseUrl) } : {};
      const api = await ctx.api(cmd);
      const orgs = await resolveTargets(api, options, 'required').catch((err: unknown) => {
        if (err instanceof CliError && err.code === 'unreachable' && baseUrl) {
          throw new CliError(
            `${err.message}. Note: --url after \`webhooks configure\` is the public webhook base; give the ` +
              "platform's URL before the command (`automitra --url <platform> webhooks configure …`) or in AUTOMITRA_URL",
            err.exitCode,
            err.code,
          );
        }
        throw err;
      });
      const results: OrgConfigured[] = [];
      for (const org of orgs) {
        try {
          const { data } = await api.post(
            orgPath(org.id, '/agents/webhooks/configure'),
            WebhookConfigureResult,
            {
              body,
              timeoutMs: LONG_TIMEOUT_MS,
            },
          );
          results.push({ ...org, agents: data, error: null });
        } catch (err) {
          if (!(err instanceof CliError) || orgs.length === 1) throw err;
          results.push({ ...org, agents: [], error: err.message });
        }
      }
      const failed =
        results.filter((r) => r.error).length +
        results.flatMap((r) => r.agents).filter((a) => a.error).length;
      if (failed > 0) ctx.fail(EXIT.failed);
      const rows = results.flatMap((org) =>
        org.error
          ? [{ org, agent: null }]
          : org.agents.map((agent) => ({ org, agent: agent as WebhookConfigureRow | null })),
      );
      out.result({ ok: failed === 0, organizations: results }, () => {
        const agents = results.flatMap((r) => r.agents);
        const changed = agents.filter((a) => a.changed).length;
        const table = rows.length
          ? renderTable(rows, [
              ...(orgs.length > 1
                ? [{ header: 'ORGANIZATION', value: (r: (typeof rows)[number]) => r.org.name }]
                : []),
              { header: 'AGENT', value: (r) => r.agent?.name },
              { header: 'BEFORE', value: (r) => maskToken(r.agent?.before) },
              { header: 'AFTER', value: (r) => maskToken(r.agent?.after) },
              { header: 'CHANGED', value: (r) => r.agent?.changed },
              { header: 'ERROR', value: (r) => r.org.error ?? r.agent?.error },
            ])
          : 'No agents.\n';
        return (
          table +
          `${agents.length} agents: ${changed} changed, ${agents.length - changed - agents.filter((a) => a.error).length} already right, ${failed} failed\n`
        );
      });
    });
  withExamples(
    configure,
    'automitra webhooks configure --org 2b0c…-…',
    'automitra --url http://localhost:5000 --key "$ADMIN_TOKEN" webhooks configure --all --url https://calls.example.com',
  );

  const test = webhooks
    .command('test')
    .description(
      "send a test delivery to the organization's public webhook URL, read it back from the event log, " +
        'and print the round-trip time',
    )
    .requiredOption('--org <id>', 'organization id')
    .action(async (options: { org: string }, cmd: Command) => {
      const out = ctx.output(cmd);
      const api = await ctx.api(cmd);
      const org = await findOrg(api, options.org);
      const settings = await api.get(orgPath(org.id, '/webhook'), WebhookSettings);
      const result = await sendTestDelivery(api, org.id, settings.url, ctx.now());
      if (!result.ok) ctx.fail(EXIT.failed);
      out.result({ organization: org, ...result }, () =>
        result.ok
          ? `ok: test delivery ${result.executionId} ${result.detail}\n`
          : `FAIL: ${result.detail}\n  → check PUBLIC_WEBHOOK_URL on the server, then run \`automitra webhooks configure --org ${org.id}\`\n`,
      );
    });
  withExamples(test, 'automitra webhooks test --org 2b0c…-…');
}
