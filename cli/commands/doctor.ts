/**
 * `automitra doctor`: everything a working platform needs, checked from the outside, each failing
 * line saying what to do: server, database, Bolna, every agent's webhook URL at Bolna, the public
 * webhook endpoint, a live socket event, and stuck calls.
 */
import type { Command } from 'commander';
import type { ApiClient } from '../api.js';
import { Diagnostics, Health, Ready, type DiagnosticsReport } from '../contract.js';
import { withExamples, type CommandContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { BOLNA_FIX, ENDPOINT_FIX, REALTIME_FIX } from '../fixes.js';
import { mark, maskToken, renderTable } from '../output.js';
import { realtimeRoundTrip } from '../realtime.js';
import { findOrg, orgPath, visibleOrgs, type OrgTarget } from '../targets.js';
import { probeWebhookEndpoint, withoutToken } from '../webhook-checks.js';

export type CheckStatus = 'ok' | 'fail' | 'skip';

export interface Check {
  /** `platform`, or the organization's name. */
  scope: string;
  organizationId: string | null;
  check: string;
  status: CheckStatus;
  detail: string;
  /** What to do when it failed. */
  fix: string | null;
}

/** Runs every check; returns them in display order. */
export async function runDoctor(api: ApiClient, orgId: string | undefined): Promise<Check[]> {
  const checks: Check[] = [];
  const add = (
    org: OrgTarget | null,
    check: string,
    status: CheckStatus,
    detail: string,
    fix: string | null = null,
  ) =>
    checks.push({
      scope: org?.name ?? 'platform',
      organizationId: org?.id ?? null,
      check,
      status,
      detail,
      fix,
    });

  // Unreachable or a refused key ends the run with exit 3: nothing else can be checked.
  await api.get('/api/healthz', Health);
  add(null, 'server', 'ok', `${api.url} answers /api/healthz`);
  try {
    const ready = await api.get('/api/readyz', Ready);
    add(null, 'database', 'ok', `${ready.database} reachable, schema at migration ${ready.migration}`);
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    add(
      null,
      'database',
      'fail',
      err.message,
      'check DATABASE_URL and the server log; a restart applies pending migrations',
    );
  }

  const orgs = orgId ? [await findOrg(api, orgId)] : (await visibleOrgs(api)).orgs;
  if (orgs.length === 0)
    add(null, 'organizations', 'skip', 'the key sees no organization: nothing more to check');

  const probed = new Set<string>();
  let bolnaChecked = false;
  for (const org of orgs) {
    let diag: DiagnosticsReport;
    try {
      diag = await api.get(orgPath(org.id, '/diagnostics'), Diagnostics);
    } catch (err) {
      // A key without the admin role cannot run the checks at all: say so with exit 3.
      if (!(err instanceof CliError) || err.exitCode === EXIT.connection) throw err;
      add(org, 'diagnostics', 'fail', err.message, 'see the server log for this request');
      continue;
    }

    if (!bolnaChecked) {
      bolnaChecked = true;
      const { bolna } = diag;
      const what = bolna.demo ? `Bolna (demo mode: ${bolna.baseUrl})` : `Bolna at ${bolna.baseUrl}`;
      if (bolna.reachable) add(null, 'bolna', 'ok', `${what} reachable`);
      else add(null, 'bolna', 'fail', `${what} unreachable: ${bolna.error ?? 'no answer'}`, BOLNA_FIX);
    }

    const endpoint = withoutToken(diag.expectedWebhookUrl);
    if (!probed.has(endpoint)) {
      probed.add(endpoint);
      const probe = await probeWebhookEndpoint(diag.expectedWebhookUrl);
      add(
        null,
        'webhook endpoint',
        probe.ok ? 'ok' : 'fail',
        probe.detail,
        probe.ok ? null : ENDPOINT_FIX(diag.webhookBaseUrl),
      );
    }

    if (!diag.bolna.reachable) {
      add(org, 'agent webhooks', 'skip', 'not checked: Bolna is unreachable');
    } else if (diag.agents.length === 0) {
      add(org, 'agent webhooks', 'ok', 'no agents');
    } else {
      const wrong = diag.agents.filter((a) => !a.ok);
      for (const a of wrong) {
        // A wrong URL is shown against ours; otherwise the server's reason (not at Bolna, Bolna error).
        const why =
          a.providerAgentId && a.bolnaWebhookUrl !== null
            ? `Bolna sends its webhooks to ${maskToken(a.bolnaWebhookUrl)}, expected ${maskToken(a.expectedWebhookUrl)}`
            : (a.error ?? `Bolna has no webhook URL for it, expected ${maskToken(a.expectedWebhookUrl)}`);
        const fix = a.providerAgentId
          ? `run \`automitra webhooks configure --org ${org.id}\``
          : `the agent is not at Bolna yet: run \`automitra agents sync --org ${org.id}\``;
        add(
          org,
          'agent webhooks',
          'fail',
          `agent "${a.name}" (${a.providerAgentId ?? 'not at Bolna'}): ${why}`,
          fix,
        );
      }
      if (wrong.length === 0) {
        add(
          org,
          'agent webhooks',
          'ok',
          `${diag.agents.length} agents send to ${maskToken(diag.expectedWebhookUrl)}`,
        );
      }
    }

    const live = await realtimeRoundTrip(api, org.id);
    add(org, 'real-time', live.ok ? 'ok' : 'fail', live.detail, live.ok ? null : REALTIME_FIX);

    const stuck = diag.stuckCalls;
    if (stuck.total === 0) {
      add(org, 'stuck calls', 'ok', `no call left unfinished for more than ${stuck.olderThanMinutes} min`);
    } else {
      const by = Object.entries(stuck.byStatus)
        .filter(([, n]) => n > 0)
        .map(([s, n]) => `${s}: ${n}`)
        .join(', ');
      add(
        org,
        'stuck calls',
        'fail',
        `${stuck.total} calls not final after ${stuck.olderThanMinutes} min (${by})`,
        `run \`automitra calls reap-stale --org ${org.id}\`; if calls keep getting stuck, run \`automitra webhooks test --org ${org.id}\``,
      );
    }
  }
  return checks;
}

export function registerDoctor(program: Command, ctx: CommandContext): void {
  const doctor = program
    .command('doctor')
    .description(
      'check the platform: server, database, Bolna, each agent’s webhook URL at Bolna, the public webhook ' +
        'endpoint, a live socket event and stuck calls; exits 1 when anything is wrong. Without --org: every ' +
        'organization the key sees (all of them with ADMIN_TOKEN); needs the admin role',
    )
    .option('--org <id>', 'only this organization')
    .action(async (options: { org?: string }, cmd: Command) => {
      const out = ctx.output(cmd);
      const api = await ctx.api(cmd);
      const checks = await runDoctor(api, options.org);
      const failed = checks.filter((c) => c.status === 'fail');
      if (failed.length) ctx.fail(EXIT.failed);
      out.result({ ok: failed.length === 0, url: api.url, checks }, () => {
        const table = renderTable(checks, [
          { header: 'SCOPE', value: (c) => c.scope },
          { header: 'CHECK', value: (c) => c.check },
          { header: 'RESULT', value: (c) => (c.status === 'skip' ? 'skip' : mark(c.status === 'ok')) },
          { header: 'DETAIL', value: (c) => c.detail },
        ]);
        const fixes = failed.map((c) => `  FAIL ${c.scope} / ${c.check}: ${c.fix ?? c.detail}\n`).join('');
        return failed.length
          ? `${table}\n${failed.length} of ${checks.length} checks failed. To fix:\n${fixes}`
          : `${table}\nAll ${checks.length} checks passed.\n`;
      });
    });
  withExamples(doctor, 'automitra doctor --org 2b0c…-…', 'automitra doctor --json --key "$ADMIN_TOKEN"');
}
