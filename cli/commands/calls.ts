/** `automitra calls export | sync | reap-stale`. */
import { Option, type Command } from 'commander';
import { LONG_TIMEOUT_MS } from '../api.js';
import { CallsSyncResult, ReapStaleResult } from '../contract.js';
import { withExamples, type CommandContext } from '../context.js';
import { EXIT } from '../errors.js';
import { exportCalls } from '../export.js';
import { formatBytes, formatMs, maskToken, renderTable } from '../output.js';
import { parseDuration, parseInstant } from '../parse.js';
import type { ExportFormat } from '../row-counter.js';
import { findOrg, orgPath } from '../targets.js';

export function registerCalls(program: Command, ctx: CommandContext): void {
  const calls = program.command('calls').description('call history: export, sync from Bolna, stuck calls');

  const exportCmd = calls
    .command('export')
    .description(
      'stream the call history to a file or stdout (CSV with a header row, or a JSON array); ' +
        'constant memory, a progress bar when writing a file from a terminal',
    )
    .requiredOption('--org <id>', 'organization id')
    .addOption(
      new Option(
        '--format <format>',
        'csv or json (default: json when --out ends in .json, else csv)',
      ).choices(['csv', 'json']),
    )
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--from <date>', 'calls created at or after (YYYY-MM-DD or ISO date-time)')
    .option('--to <date>', 'calls created before (YYYY-MM-DD or ISO date-time)')
    .option('--status <list>', 'only these statuses, comma-separated (e.g. completed,failed)')
    .action(
      async (
        options: {
          org: string;
          format?: ExportFormat;
          out?: string;
          from?: string;
          to?: string;
          status?: string;
        },
        cmd: Command,
      ) => {
        const out = ctx.output(cmd);
        const from = options.from === undefined ? undefined : parseInstant(options.from, '--from');
        const to = options.to === undefined ? undefined : parseInstant(options.to, '--to');
        const format = options.format ?? (options.out?.toLowerCase().endsWith('.json') ? 'json' : 'csv');
        const api = await ctx.api(cmd);
        const summary = await exportCalls(api, ctx.io, {
          orgId: options.org,
          format,
          out: options.out,
          from,
          to,
          status: options.status,
          progress: !out.json,
        });
        if (summary.expectedRows !== null && summary.rows !== summary.expectedRows) {
          out.warn(`the server announced ${summary.expectedRows} calls, ${summary.rows} arrived`);
        }
        const line =
          `exported ${summary.rows} calls (${format.toUpperCase()}, ${formatBytes(summary.bytes)}) ` +
          `in ${formatMs(summary.durationMs)}${summary.file ? ` to ${summary.file}` : ''}\n`;
        if (summary.file) out.result(summary, () => line);
        // On stdout the export itself is the output; the summary goes to stderr.
        else out.note(line.trimEnd());
      },
    );
  withExamples(
    exportCmd,
    'automitra calls export --org 2b0c…-… --out calls.csv --from 2026-01-01 --status completed',
    'automitra calls export --org 2b0c…-… --format json | jq length',
  );

  const sync = calls
    .command('sync')
    .description(
      "pull every agent's executions from Bolna (7-day windows, pages of 50) through the same merge; " +
        'prints created, updated and unchanged',
    )
    .requiredOption('--org <id>', 'organization id')
    .option(
      '--since <when>',
      'from this date (YYYY-MM-DD, ISO) or this long ago (7d, 12h); server default otherwise',
    )
    .action(async (options: { org: string; since?: string }, cmd: Command) => {
      const out = ctx.output(cmd);
      const since =
        options.since === undefined ? undefined : parseInstant(options.since, '--since', ctx.now());
      const api = await ctx.api(cmd);
      const org = await findOrg(api, options.org);
      out.note(`syncing calls of ${org.name} from Bolna…`);
      const result = await api.post(orgPath(org.id, '/calls/sync'), CallsSyncResult, {
        body: since ? { since } : {},
        timeoutMs: LONG_TIMEOUT_MS,
      });
      const ok = result.failed === 0 && result.errors.length === 0;
      if (!ok) ctx.fail(EXIT.failed);
      out.result({ organization: org, since: since ?? null, ok, ...result }, () => {
        const table = renderTable(
          [result],
          [
            { header: 'AGENTS', value: (r) => r.agents, right: true },
            { header: 'CREATED', value: (r) => r.created, right: true },
            { header: 'UPDATED', value: (r) => r.updated, right: true },
            { header: 'UNCHANGED', value: (r) => r.unchanged, right: true },
            { header: 'FAILED', value: (r) => r.failed, right: true },
          ],
        );
        const errors = result.errors.map((e) => `  error: ${e}\n`).join('');
        return `${table}${errors}`;
      });
    });
  withExamples(sync, 'automitra calls sync --org 2b0c…-… --since 7d');

  const reap = calls
    .command('reap-stale')
    .description(
      'reconcile calls stuck in a non-final status with Bolna now; those Bolna cannot settle are marked ' +
        'failed ("no final status from provider"). Without --org: every organization (ADMIN_TOKEN)',
    )
    .option('--org <id>', 'only this organization')
    .option(
      '--older-than <duration>',
      'calls not final after this long (90s, 60m, 2h, 1d); server default otherwise',
    )
    .option('--dry-run', 'report what would change, change nothing')
    .action(async (options: { org?: string; olderThan?: string; dryRun?: boolean }, cmd: Command) => {
      const out = ctx.output(cmd);
      const olderThanMinutes =
        options.olderThan === undefined
          ? undefined
          : parseDuration(options.olderThan, '--older-than') / 60_000;
      const api = await ctx.api(cmd);
      const body = {
        ...(olderThanMinutes === undefined ? {} : { olderThanMinutes }),
        dryRun: Boolean(options.dryRun),
      };
      const path = options.org ? orgPath(options.org, '/calls/reap-stale') : '/api/admin/calls/reap-stale';
      const result = await api.post(path, ReapStaleResult, { body, timeoutMs: LONG_TIMEOUT_MS });
      out.result({ organizationId: options.org ?? null, dryRun: body.dryRun, ...result }, () => {
        const head =
          `${options.dryRun ? 'dry run: ' : ''}${result.checked} stuck calls checked: ${result.resolved} resolved ` +
          `from Bolna, ${result.failed} marked failed, ${result.deferred} deferred\n`;
        if (result.calls.length === 0) return head;
        return (
          head +
          renderTable(result.calls, [
            { header: 'CALL', value: (c) => c.id },
            ...(options.org
              ? []
              : [{ header: 'ORGANIZATION', value: (c: (typeof result.calls)[number]) => c.organizationId }]),
            { header: 'BEFORE', value: (c) => c.before },
            { header: 'AFTER', value: (c) => c.after },
            { header: 'NOTE', value: (c) => maskToken(c.note) },
          ])
        );
      });
    });
  withExamples(
    reap,
    'automitra calls reap-stale --org 2b0c…-… --older-than 2h --dry-run',
    'automitra calls reap-stale --older-than 60m --key "$ADMIN_TOKEN"',
  );
}
