import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Call } from '../common/schemas/calls.js';
import { startTestApp, type TestApp } from '../test/app.js';
import { testDbKind } from '../test/db.js';
import { createOrg, runCli, seedHistory, tempDir, type TestOrg } from './cli.testing.js';

/** A small RFC 4180 reader for checking exports: quoted fields, doubled quotes, newlines inside. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else if (ch !== '\r') field += ch;
  }
  if (field || row.length) rows.push([...row, field]);
  return rows;
}

describe(`automitra calls export (${testDbKind()})`, { timeout: 60_000 }, () => {
  let t: TestApp;
  let org: TestOrg;
  let as: string[];
  let dir: { dir: string; cleanup: () => Promise<void> };
  let apiCalls: Call[];

  beforeAll(async () => {
    t = await startTestApp({ listen: true });
    org = await createOrg(t, 'Exporter', ['Dialer']);
    as = ['--url', t.url, '--key', org.key];
    dir = await tempDir('export');
    await seedHistory(t, org.agents[0]!.providerAgentId, 120);
    expect((await runCli(['calls', 'sync', '--org', org.orgId, ...as])).code).toBe(0);
    apiCalls = [];
    let cursor: string | null = null;
    do {
      const res = await org.owner.get(
        `/api/orgs/${org.orgId}/calls?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      const page = res.json() as { data: Call[]; nextCursor: string | null };
      apiCalls.push(...page.data);
      cursor = page.nextCursor;
    } while (cursor);
    expect(apiCalls).toHaveLength(120);
  });
  afterAll(async () => {
    await t.close();
    await dir.cleanup();
  });

  it('writes the CSV of every call to a file, matching the API, with no progress bar off a terminal', async () => {
    const res = await runCli(['calls', 'export', '--org', org.orgId, '--out', 'calls.csv', ...as], {
      cwd: dir.dir,
    });
    expect(res.code).toBe(0);
    expect(res.stderr).toBe('');
    expect(res.stdout).toMatch(/^exported 120 calls \(CSV, [\d.]+ kB\) in .* to .*calls\.csv\n$/);

    const rows = parseCsv(await readFile(path.join(dir.dir, 'calls.csv'), 'utf8'));
    const [header, ...records] = rows;
    expect(header).toEqual(expect.arrayContaining(['id', 'status', 'provider_call_id', 'duration_s']));
    expect(records).toHaveLength(120);
    const col = (name: string) => header!.indexOf(name);
    const byId = new Map(apiCalls.map((c) => [c.id, c]));
    for (const record of records) {
      const call = byId.get(record[col('id')]!);
      expect(call, record[col('id')]).toBeDefined();
      expect(record[col('status')]).toBe(call!.status);
      expect(record[col('provider_call_id')]).toBe(call!.providerCallId);
      expect(record[col('duration_s')]).toBe(call!.duration === null ? '' : String(call!.duration));
      expect(record[col('summary')]).toBe(call!.summary ?? '');
    }
    // Nothing half-written is left beside the file.
    expect(await readdir(dir.dir)).toEqual(['calls.csv']);
  });

  it('writes a JSON array equal to the calls of the API (format taken from the .json file name)', async () => {
    const res = await runCli(
      ['calls', 'export', '--org', org.orgId, '--out', 'calls.json', '--json', ...as],
      {
        cwd: dir.dir,
      },
    );
    expect(res.code).toBe(0);
    expect(res.json()).toMatchObject({
      format: 'json',
      rows: 120,
      expectedRows: 120,
      organizationId: org.orgId,
    });
    const exported = JSON.parse(await readFile(path.join(dir.dir, 'calls.json'), 'utf8')) as Call[];
    expect(exported).toHaveLength(120);
    const byId = new Map(apiCalls.map((c) => [c.id, c]));
    for (const call of exported) expect(call).toEqual(byId.get(call.id));
  });

  it('streams to stdout when there is no --out, the summary on stderr, and applies the filters', async () => {
    const completed = apiCalls.filter((c) => c.status === 'completed');
    expect(completed.length).toBeGreaterThan(0);
    expect(completed.length).toBeLessThan(120);
    const res = await runCli([
      'calls',
      'export',
      '--org',
      org.orgId,
      '--format',
      'json',
      '--status',
      'completed',
      ...as,
    ]);
    expect(res.code).toBe(0);
    const exported = res.json<Call[]>();
    expect(exported.map((c) => c.id).sort()).toEqual(completed.map((c) => c.id).sort());
    expect(res.stderr).toMatch(new RegExp(`exported ${completed.length} calls \\(JSON`));

    const sorted = [...apiCalls].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    const middle = sorted[60]!.createdAt;
    const since = await runCli(['calls', 'export', '--org', org.orgId, '--from', middle, ...as]);
    const records = parseCsv(since.stdout).slice(1);
    expect(records).toHaveLength(sorted.filter((c) => c.createdAt >= middle).length);

    const until = await runCli([
      'calls',
      'export',
      '--org',
      org.orgId,
      '--to',
      middle,
      '--format',
      'json',
      ...as,
    ]);
    expect(until.json<Call[]>()).toHaveLength(sorted.filter((c) => c.createdAt < middle).length);
  });

  it('draws a progress bar on a terminal when writing a file', async () => {
    const res = await runCli(['calls', 'export', '--org', org.orgId, '--out', 'tty.csv', ...as], {
      cwd: dir.dir,
      stderrTTY: true,
    });
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/exporting .*100% \| 120\/120 calls/);
  });

  it('refuses a bad status (exit 2), an unwritable --out (exit 1), and leaves no partial file', async () => {
    const bad = await runCli(
      ['calls', 'export', '--org', org.orgId, '--status', 'bogus', '--out', 'bad.csv', ...as],
      {
        cwd: dir.dir,
      },
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/the server refused .*status/);
    expect(await readdir(dir.dir)).not.toContain('bad.csv.partial');
    expect(await readdir(dir.dir)).not.toContain('bad.csv');

    const nowhere = path.join(dir.dir, 'missing-folder', 'calls.csv');
    const res = await runCli(['calls', 'export', '--org', org.orgId, '--out', nowhere, ...as]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/cannot write .*missing-folder\/calls\.csv: ENOENT/);
  });
});
