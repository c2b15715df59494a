/**
 * `automitra verify`: the five phases for each organization, a summary table, and a JSON report
 * file written in every case (also when the run stops on an error), so a scheduled run always
 * leaves evidence.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { withExamples, type CommandContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { mark, renderTable } from '../output.js';
import { resolveTargets } from '../targets.js';
import { PHASES, verifyOrganization, type OrgReport } from '../verify-phases.js';

export interface VerifyReport {
  generatedAt: string;
  platform: string | null;
  ok: boolean;
  summary: { organizations: number; passed: number; failed: number };
  organizations: OrgReport[];
  /** Why the run stopped before checking every organization, if it did. */
  error: { code: string; message: string } | null;
}

/** `automitra-verify-2026-03-10T12-00-00Z.json`: sortable, and safe in every file system. */
export function defaultReportName(now: Date): string {
  return `automitra-verify-${now
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replaceAll(':', '-')}.json`;
}

export function registerVerify(program: Command, ctx: CommandContext): void {
  const verify = program
    .command('verify')
    .description(
      'test each organization end to end in five phases (agents synced, webhooks configured, endpoint ' +
        'reachable, a test delivery round-trips, a real-time event arrives); prints a summary, writes a JSON ' +
        'report always, exits 1 if any organization fails. Without --org or --all: every organization the key sees',
    )
    .option('--org <id>', 'one organization')
    .option('--all', 'every organization (needs ADMIN_TOKEN as the key)')
    .option('--report <file>', 'where to write the JSON report (default: automitra-verify-<timestamp>.json)')
    .action(async (options: { org?: string; all?: boolean; report?: string }, cmd: Command) => {
      const out = ctx.output(cmd);
      const started = ctx.now();
      const file = path.resolve(ctx.io.cwd, options.report ?? defaultReportName(started));
      const report: VerifyReport = {
        generatedAt: started.toISOString(),
        platform: null,
        ok: false,
        summary: { organizations: 0, passed: 0, failed: 0 },
        organizations: [],
        error: null,
      };
      const save = async () => {
        const passed = report.organizations.filter((o) => o.ok).length;
        report.summary = {
          organizations: report.organizations.length,
          passed,
          failed: report.organizations.length - passed,
        };
        report.ok = report.error === null && passed === report.organizations.length;
        await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
      };
      try {
        const api = await ctx.api(cmd);
        report.platform = api.url;
        const orgs = await resolveTargets(api, options, 'visible');
        for (const org of orgs) {
          out.note(`verifying ${org.name} (${org.id})…`);
          report.organizations.push(await verifyOrganization(api, org, () => ctx.now()));
        }
      } catch (err) {
        if (!(err instanceof CliError)) throw err;
        report.error = { code: err.code, message: err.message };
        await save();
        out.note(`report written to ${file}`);
        throw err;
      }
      await save();
      if (!report.ok) ctx.fail(EXIT.failed);
      out.result({ ...report, reportFile: file }, () => renderSummary(report, file));
    });
  withExamples(
    verify,
    'automitra verify --all --key "$ADMIN_TOKEN" --report nightly.json',
    'automitra verify --org 2b0c…-…',
  );
}

function renderSummary(report: VerifyReport, file: string): string {
  if (report.organizations.length === 0) return `No organization to verify.\nReport: ${file}\n`;
  const table = renderTable(report.organizations, [
    { header: 'ORGANIZATION', value: (o) => o.name },
    ...PHASES.map((p) => ({
      header: p.id.toUpperCase(),
      value: (o: OrgReport) => mark(o.phases.find((x) => x.id === p.id)?.ok ?? false),
    })),
    { header: 'RESULT', value: (o) => (o.ok ? 'passed' : 'FAILED') },
  ]);
  const failures = report.organizations
    .flatMap((o) =>
      o.phases
        .filter((p) => !p.ok)
        .map((p) => `  ${o.name} / ${p.name}: ${p.detail}${p.fix ? `\n    → ${p.fix}` : ''}\n`),
    )
    .join('');
  const { passed, organizations } = report.summary;
  return (
    `${table}\n${passed} of ${organizations} organizations passed.\n` +
    (failures ? `Failures:\n${failures}` : '') +
    `Report: ${file}\n`
  );
}
