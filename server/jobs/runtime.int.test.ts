import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testDbKind, type TestDatabase } from '../../test/db.js';
import { openDatabase, type Database } from '../db/index.js';
import { openBossDb } from './boss-db.js';
import { startJobRuntime, type JobLogger, type JobOptions, type JobRuntime } from './index.js';

interface TestJobs {
  'test.echo': { n: number };
  'test.flaky': { failures: number };
  'test.later': { label: string };
  'test.unique': { key: string };
  'test.shared': { n: number };
  'test.durable': { label: string };
  'test.tick': { label: string };
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Fast polling and immediate retries: for tests only. */
const POLL = 0.5;
const quick: JobOptions = { retryLimit: 3, retryDelay: 0, retryBackoff: false, expireInSeconds: 30 };

let testDb: TestDatabase;
let runtime: JobRuntime<TestJobs>;
const logs = captureLogger();
const echoed: Array<{ n: number; id: string }> = [];
const flakyAttempts: number[] = [];
const later: Array<{ label: string; at: number }> = [];
const ticks: string[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase();
  runtime = await startJobRuntime<TestJobs>({
    database: testDb.database,
    logger: logs.logger,
    pollingIntervalSeconds: POLL,
    cronIntervalSeconds: 1,
  });
  await runtime.define({
    name: 'test.echo',
    options: quick,
    async handler(payload, { id }) {
      echoed.push({ n: payload.n, id });
    },
  });
  await runtime.define({
    name: 'test.flaky',
    options: quick,
    async handler({ failures }, { retryCount }) {
      flakyAttempts.push(retryCount);
      if (retryCount < failures) throw new Error(`planned failure ${retryCount + 1}`);
    },
  });
  await runtime.define({
    name: 'test.later',
    options: quick,
    async handler({ label }) {
      later.push({ label, at: Date.now() });
    },
  });
  await runtime.define({
    name: 'test.tick',
    options: quick,
    async handler({ label }) {
      ticks.push(label);
    },
  });
  await runtime.define({
    name: 'test.unique',
    options: { ...quick, policy: 'short' },
    singletonKey: ({ key }) => key,
    async handler() {},
  });
});

afterAll(async () => {
  await runtime?.stop();
  await testDb?.drop();
});

describe('job runtime', () => {
  it('handles a sent job once, with its payload, and records it completed', async () => {
    const id = await runtime.send('test.echo', { n: 42 });
    expect(id).toBeTruthy();
    await waitFor(async () => (await jobState(testDb.database, id!)) === 'completed');
    expect(echoed).toEqual([{ n: 42, id }]);
  });

  it('retries a failing job per its options until it succeeds, logging each failure with name and id', async () => {
    const id = await runtime.send('test.flaky', { failures: 2 });
    await waitFor(async () => (await jobState(testDb.database, id!)) === 'completed');
    expect(flakyAttempts).toEqual([0, 1, 2]);
    const failures = logs.entries.filter((e) => e.msg === 'job failed; it will be retried');
    expect(failures).toHaveLength(2);
    expect(failures[0]!.fields).toMatchObject({ job: 'test.flaky', jobId: id, attempt: 1, retryLimit: 3 });
  });

  it('does not start a job before its startAfter', async () => {
    const sentAt = Date.now();
    await runtime.send('test.later', { label: 'in a second' }, { startAfter: 1 });
    await runtime.send('test.later', { label: 'at a date' }, { startAfter: new Date(sentAt + 1000) });
    await waitFor(() => later.length === 2);
    for (const { at } of later) expect(at - sentAt).toBeGreaterThanOrEqual(950);
  });

  it('sends scheduled jobs on their cron schedule until unscheduled', async () => {
    await runtime.schedule('test.tick', '* * * * *', { label: 'every minute' });
    await waitFor(() => ticks.length > 0, 10_000);
    await runtime.unschedule('test.tick');
    expect(ticks[0]).toBe('every minute');
  });

  it('deduplicates queued jobs by singleton key', async () => {
    const options = { startAfter: 3600 };
    const first = await runtime.send('test.unique', { key: 'call-1' }, options);
    const again = await runtime.send('test.unique', { key: 'call-1' }, options);
    const other = await runtime.send('test.unique', { key: 'call-2' }, options);
    expect(first).toBeTruthy();
    expect(again).toBeNull();
    expect(other).toBeTruthy();
  });

  it('sends many jobs in one statement, deduplicated by singleton key, inside a transaction too', async () => {
    const queued = (key: string) =>
      testDb.database.withSession(async (s) => {
        const { rows } = await s.query<{ n: string; start: Date }>(
          "SELECT count(*) AS n, min(start_after) AS start FROM pgboss.job WHERE name = 'test.unique' AND singleton_key = $1",
          [key],
        );
        return { n: Number(rows[0]!.n), start: rows[0]!.start };
      });
    const before = Date.now();
    await runtime.sendMany('test.unique', [
      { payload: { key: 'batch-1' }, startAfter: 3600 },
      { payload: { key: 'batch-1' }, startAfter: 3600 },
      { payload: { key: 'batch-2' }, startAfter: new Date(before + 7_200_000) },
    ]);
    const one = await queued('batch-1');
    expect(one.n).toBe(1);
    expect(new Date(one.start).getTime()).toBeGreaterThanOrEqual(before + 3_590_000);
    expect((await queued('batch-2')).n).toBe(1);

    await expect(
      testDb.database.db.transaction(async (tx) => {
        await runtime.sendMany('test.unique', [{ payload: { key: 'batch-3' }, startAfter: 60 }], { tx });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect((await queued('batch-3')).n).toBe(0);
    await testDb.database.db.transaction((tx) =>
      runtime.sendMany('test.unique', [{ payload: { key: 'batch-3' }, startAfter: 60 }], { tx }),
    );
    expect((await queued('batch-3')).n).toBe(1);
  });

  it('enqueues inside a transaction: the job exists only if the transaction commits', async () => {
    const before = echoed.length;
    await expect(
      testDb.database.db.transaction(async (tx) => {
        await runtime.send('test.echo', { n: 1 }, { tx });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    const id = await testDb.database.db.transaction((tx) => runtime.send('test.echo', { n: 2 }, { tx }));
    await waitFor(async () => (await jobState(testDb.database, id!)) === 'completed');
    expect(echoed.slice(before).map((e) => e.n)).toEqual([2]);
  });

  it('survives a failure to record a job outcome (pg-boss does not await it): logs it, no unhandled rejection', async () => {
    // A trigger makes pg-boss's "completed" update fail for this one payload.
    await exec(
      testDb.database,
      `CREATE FUNCTION test_refuse_completion() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF NEW.state = 'completed' AND NEW.data->>'n' = '-1' THEN RAISE EXCEPTION 'completion refused'; END IF;
         RETURN NEW;
       END $$;
       CREATE TRIGGER test_refuse_completion BEFORE UPDATE ON pgboss.job
         FOR EACH ROW EXECUTE FUNCTION test_refuse_completion();`,
    );
    try {
      const id = await runtime.send('test.echo', { n: -1 });
      await waitFor(() => logs.entries.some((e) => /outcome/.test(e.msg)));
      expect(echoed.filter((e) => e.id === id)).toHaveLength(1);
      expect(await jobState(testDb.database, id!)).toBe('active'); // retried once it expires
      const next = await runtime.send('test.echo', { n: 7 });
      await waitFor(async () => (await jobState(testDb.database, next!)) === 'completed');
    } finally {
      await exec(testDb.database, 'DROP TRIGGER test_refuse_completion ON pgboss.job');
    }
  });

  it('refuses jobs it does not know and singleton keys that would be ignored', async () => {
    const unknown = runtime as unknown as JobRuntime<{ 'test.nope': object }>;
    await expect(unknown.send('test.nope', {})).rejects.toThrow(/not defined/);
    await expect(runtime.send('test.echo', { n: 0 }, { singletonKey: 'x' })).rejects.toThrow(/singletonKey/);
  });

  it('stops idempotently and refuses to send once stopped', async () => {
    const own = await startJobRuntime<TestJobs>({ database: testDb.database, pollingIntervalSeconds: POLL });
    await own.define({ name: 'test.shared', options: quick, async handler() {} });
    await Promise.all([own.stop(), own.stop()]);
    await own.stop();
    await expect(own.send('test.shared', { n: 1 })).rejects.toThrow(/stopped/);
  });

  it('leaves no timer, worker or connection behind: a process exits as soon as it stops', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD_SCRIPT], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', JOB_DB_URL: testDb.url ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let stoppedAt = 0;
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      if (!stoppedAt && out.includes('stopped')) stoppedAt = Date.now();
    });
    child.stderr.on('data', (d: Buffer) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect({ code, out }).toMatchObject({ code: 0 });
    expect(out).toContain('handled');
    expect(Date.now() - stoppedAt).toBeLessThan(500);
  }, 30_000);
});

/** Starts a runtime, handles one job, stops, closes the database: then must exit by itself. */
const CHILD_SCRIPT = `
import { openDatabase } from './server/db/index.ts';
import { startJobRuntime } from './server/jobs/index.ts';
const url = process.env.JOB_DB_URL;
const database = await openDatabase(url ? { url, poolMax: 2 } : {});
const runtime = await startJobRuntime({ database, pollingIntervalSeconds: 0.5 });
let done;
const handled = new Promise((resolve) => (done = resolve));
const options = { retryLimit: 0, retryDelay: 0, retryBackoff: false, expireInSeconds: 10 };
await runtime.define({ name: 'test.child', options, handler: async () => done() });
await runtime.send('test.child', {});
await handled;
console.log('handled');
await runtime.stop();
await database.close();
console.log('stopped');
`;

describe.runIf(testDbKind() === 'pg')(
  'job runtime across processes (pg only: PGlite has one connection)',
  () => {
    it('runs N jobs exactly once in total on two runtimes that installed pg-boss and its queue concurrently', async () => {
      const schema = 'pgboss_shared';
      const databases = await Promise.all(
        [1, 2, 3].map(() => openDatabase({ url: testDb.url!, poolMax: 2 })),
      );
      const handled = new Map<string, string[]>();
      const [sender, a, b] = await Promise.all(
        databases.map((database, i) =>
          startJobRuntime<TestJobs>({ database, schema, pollingIntervalSeconds: POLL, work: i > 0 }),
        ),
      );
      try {
        const work =
          (label: string) =>
          async (_payload: unknown, { id }: { id: string }) => {
            handled.set(id, [...(handled.get(id) ?? []), label]);
            await sleep(50);
          };
        // Defining a new queue at once can deadlock in pg-boss; the runtime retries.
        await Promise.all([
          sender!.define({ name: 'test.shared', options: quick, async handler() {} }),
          a!.define({ name: 'test.shared', options: { ...quick, concurrency: 2 }, handler: work('a') }),
          b!.define({ name: 'test.shared', options: { ...quick, concurrency: 2 }, handler: work('b') }),
        ]);
        const n = 40;
        for (let i = 0; i < n; i++) await sender!.send('test.shared', { n: i });
        await waitFor(() => handled.size === n, 15_000);
        await sleep(POLL * 1000 * 2); // a duplicate would show up within two polls
        expect([...handled.values()].every((runs) => runs.length === 1)).toBe(true);
        const by = (label: string) => [...handled.values()].filter((runs) => runs[0] === label).length;
        expect(by('a') + by('b')).toBe(n);
        expect(by('a')).toBeGreaterThan(0);
        expect(by('b')).toBeGreaterThan(0);
      } finally {
        await Promise.all([sender, a, b].map((r) => r?.stop()));
        await Promise.all(databases.map((d) => d.close()));
      }
    });

    it('logs an idle connection that fails with its code and message only, never the connection', async () => {
      const log = captureLogger();
      const boss = openBossDb(testDb.database, { schema: 'pgboss', poolMax: 1, logger: log.logger });
      try {
        // Its one connection, ended from outside while idle (as a restart of PostgreSQL would).
        const { rows } = await boss.executeSql('SELECT pg_backend_pid() AS pid');
        const pid = (rows[0] as { pid: number }).pid;
        await testDb.database.withSession((s) => s.query('SELECT pg_terminate_backend($1)', [pid]));
        await waitFor(() => log.entries.some((e) => e.level === 'error'), 5_000);
        const failure = log.entries.find((e) => e.level === 'error')!;
        expect(failure.msg).toMatch(/idle database connection failed/);
        expect(failure.fields).toEqual({
          err: { code: '57P01', message: 'terminating connection due to administrator command' },
        });
        // The pool replaced it.
        expect((await boss.executeSql('SELECT 1 AS n')).rows).toEqual([{ n: 1 }]);
      } finally {
        await boss.close();
      }
    });

    it('keeps a job sent before a runtime stops for a runtime started afterwards', async () => {
      const first = await openDatabase({ url: testDb.url!, poolMax: 2 });
      const handled = await survivesRestart(first, async () =>
        openDatabase({ url: testDb.url!, poolMax: 2 }),
      );
      expect(handled).toEqual(['sent before the restart']);
    });
  },
);

describe.runIf(testDbKind() === 'pglite')(
  'job runtime on PGlite (pglite only: a data folder on disk)',
  () => {
    it('keeps a job sent before a restart, in the data folder, for the runtime started afterwards', async () => {
      const dataDir = await mkdtemp(path.join(tmpdir(), 'automitra-jobs-'));
      try {
        const first = await openDatabase({ dataDir });
        const handled = await survivesRestart(first, () => openDatabase({ dataDir }));
        expect(handled).toEqual(['sent before the restart']);
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    });
  },
);

/**
 * Sends a job due in a second on a working runtime, stops it and closes its database before the
 * job is due, then reopens the database with a new runtime and returns what that one handled.
 */
async function survivesRestart(first: Database, reopen: () => Promise<Database>): Promise<string[]> {
  const handled: string[] = [];
  const define = (rt: JobRuntime<TestJobs>) =>
    rt.define({
      name: 'test.durable',
      options: quick,
      async handler({ label }) {
        handled.push(label);
      },
    });
  const before = await startJobRuntime<TestJobs>({ database: first, pollingIntervalSeconds: POLL });
  await define(before);
  await before.send('test.durable', { label: 'sent before the restart' }, { startAfter: 1 });
  await before.stop();
  await first.close();
  expect(handled).toEqual([]);

  const second = await reopen();
  const after = await startJobRuntime<TestJobs>({ database: second, pollingIntervalSeconds: POLL });
  try {
    await define(after);
    await waitFor(() => handled.length > 0, 5000);
    return handled;
  } finally {
    await after.stop();
    await second.close();
  }
}

async function jobState(database: Database, id: string): Promise<string | undefined> {
  return database.withSession(async (s) => {
    const { rows } = await s.query<{ state: string }>('SELECT state FROM pgboss.job WHERE id = $1', [id]);
    return rows[0]?.state;
  });
}

async function exec(database: Database, text: string): Promise<void> {
  await database.withSession((s) => s.exec(text));
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(20);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface LogEntry {
  level: string;
  msg: string;
  fields: Record<string, unknown>;
}

function captureLogger(): { logger: JobLogger; entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const make = (bindings: Record<string, unknown>): JobLogger => {
    const at =
      (level: string) =>
      (fields: unknown, msg?: string): void => {
        if (typeof fields === 'string') entries.push({ level, msg: fields, fields: bindings });
        else entries.push({ level, msg: msg ?? '', fields: { ...bindings, ...(fields as object) } });
      };
    return {
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
      child: (more) => make({ ...bindings, ...more }),
    } as JobLogger;
  };
  return { logger: make({}), entries };
}
