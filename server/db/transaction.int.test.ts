import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testDbKind, type TestDatabase } from '../../test/db.js';
import { openBossDb } from '../jobs/boss-db.js';
import { openDatabase } from './index.js';

let testDb: TestDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase();
  await testDb.database.withSession((s) => s.exec('CREATE TABLE tx_probe (n integer PRIMARY KEY)'));
});

afterAll(async () => {
  await testDb?.drop();
});

const stored = async () =>
  (
    await testDb.database.withSession((s) => s.query<{ n: number }>('SELECT n FROM tx_probe ORDER BY n'))
  ).rows.map((r) => r.n);

describe(`raw SQL transactions (${testDbKind()})`, () => {
  it('runs statements issued back to back in order, and commits them together', async () => {
    const seen = await testDb.database.transaction(async (tx) => {
      const first = tx.query('INSERT INTO tx_probe (n) VALUES (1)');
      const second = tx.query('INSERT INTO tx_probe (n) VALUES (2)');
      const count = tx.query<{ c: string }>('SELECT count(*)::text AS c FROM tx_probe');
      await Promise.all([first, second]);
      return (await count).rows[0]!.c;
    });
    expect(seen).toBe('2');
    expect(await stored()).toEqual([1, 2]);
  });

  it('rolls everything back when a statement fails, even one issued without waiting', async () => {
    await expect(
      testDb.database.transaction(async (tx) => {
        const ok = tx.query('INSERT INTO tx_probe (n) VALUES (3)');
        const duplicate = tx.query('INSERT INTO tx_probe (n) VALUES (1)');
        const after = tx.query('INSERT INTO tx_probe (n) VALUES (4)');
        await Promise.all([ok, duplicate, after]);
      }),
    ).rejects.toThrow(/duplicate key/);
    expect(await stored()).toEqual([1, 2]);
  });

  it('rolls back when the function throws, and the connection stays usable', async () => {
    await expect(
      testDb.database.transaction(async (tx) => {
        await tx.query('INSERT INTO tx_probe (n) VALUES (5)');
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await stored()).toEqual([1, 2]);
    await testDb.database.transaction((tx) => tx.query('INSERT INTO tx_probe (n) VALUES (6)'));
    expect(await stored()).toEqual([1, 2, 6]);
  });

  it('commits with the last statement, which returns its rows; nothing may follow it', async () => {
    const rows = await testDb.database.transaction(async (tx) => {
      await tx.query('INSERT INTO tx_probe (n) VALUES ($1)', [7]);
      const last = await tx.queryAndCommit<{ n: number }>(
        'INSERT INTO tx_probe (n) VALUES ($1), ($2) RETURNING n',
        [8, 9],
      );
      expect(() => tx.query('SELECT 1')).toThrow(/already committed/);
      return last.rows.map((r) => r.n);
    });
    expect(rows).toEqual([8, 9]);
    expect(await stored()).toEqual([1, 2, 6, 7, 8, 9]);
  });

  it('rolls back the whole transaction when its committing statement fails', async () => {
    await expect(
      testDb.database.transaction(async (tx) => {
        await tx.query('INSERT INTO tx_probe (n) VALUES (10)');
        await tx.queryAndCommit('INSERT INTO tx_probe (n) VALUES (11), (1)');
      }),
    ).rejects.toThrow(/duplicate key/);
    await expect(
      testDb.database.transaction((tx) => tx.queryAndCommit('INSERT INTO tx_probe (n) VALUES ($1)', [1])),
    ).rejects.toThrow(/duplicate key/);
    expect(await stored()).toEqual([1, 2, 6, 7, 8, 9]);
  });

  it('gives every parameter type the same value whether it travels as a parameter or in the text', async () => {
    const values = [
      "it's a $p$ 'quoted' \\ \"string\" ending in $p",
      new Date('2026-03-04T05:06:07.089Z'),
      ['a', null, 'q"u\\o', "it's"],
      { nested: { text: "$1 'x'", list: [1, null] } },
      42.5,
      true,
      null,
    ];
    const text = `SELECT $1::text AS s, $2::timestamptz AS t, $3::text[] AS a, $4::jsonb AS j,
                          $5::numeric::text AS n, $6::boolean AS b, $7::text IS NULL AS z, $1 = $1::text AS same`;
    const read = () =>
      testDb.database.transaction(async (tx) => {
        // The first statement carries BEGIN (its parameters written into the text), the second
        // travels with its parameters, the third carries COMMIT.
        const first = await tx.query(text, values);
        const second = await tx.query(text, values);
        const third = await tx.queryAndCommit(text, values);
        return [first.rows[0], second.rows[0], third.rows[0]];
      });
    const [first, second, third] = await read();
    expect(first).toEqual({
      s: values[0],
      t: values[1],
      a: values[2],
      j: values[3],
      n: '42.5',
      b: true,
      z: true,
      same: true,
    });
    expect(second).toEqual(first);
    expect(third).toEqual(first);
  });

  it('runs several statements at once, first or later in the transaction, each with its own rows', async () => {
    const results = await testDb.database.transaction(async (tx) => {
      const opening = await tx.queryAll([
        { text: 'INSERT INTO tx_probe (n) VALUES ($1) RETURNING n', params: [12] },
        { text: 'SELECT count(*)::int AS c FROM tx_probe WHERE n >= $1', params: [12] },
      ]);
      const later = await tx.queryAll([
        { text: 'INSERT INTO tx_probe (n) VALUES ($1), ($2) RETURNING n', params: [13, 14] },
        { text: 'SELECT n FROM tx_probe WHERE n > $1 ORDER BY n', params: [12] },
      ]);
      expect(await tx.queryAll([])).toEqual([]);
      return [...opening, ...later].map((r) => r.rows);
    });
    expect(results).toEqual([[{ n: 12 }], [{ c: 1 }], [{ n: 13 }, { n: 14 }], [{ n: 13 }, { n: 14 }]]);
    expect(await stored()).toEqual([1, 2, 6, 7, 8, 9, 12, 13, 14]);

    // A failing statement among them rolls the whole transaction back.
    await expect(
      testDb.database.transaction((tx) =>
        tx.queryAll([
          { text: 'INSERT INTO tx_probe (n) VALUES ($1)', params: [15] },
          { text: 'INSERT INTO tx_probe (n) VALUES ($1)', params: [1] },
        ]),
      ),
    ).rejects.toThrow(/duplicate key/);
    expect(await stored()).toEqual([1, 2, 6, 7, 8, 9, 12, 13, 14]);
  });

  it.runIf(testDbKind() === 'pg')('never JIT-compiles a statement (pg only: PGlite has no JIT)', async () => {
    const setting = await testDb.database.transaction((tx) =>
      tx.query<{ jit: string }>("SELECT current_setting('jit') AS jit"),
    );
    expect(setting.rows).toEqual([{ jit: 'off' }]);
    // Nor the job runtime's connections.
    const boss = openBossDb(testDb.database, {
      schema: 'pgboss',
      poolMax: 1,
      logger: pino({ level: 'silent' }),
    });
    try {
      expect((await boss.executeSql("SELECT current_setting('jit') AS jit")).rows).toEqual([{ jit: 'off' }]);
    } finally {
      await boss.close();
    }
    // Options the database URL carries still apply.
    const url = new URL(testDb.url!);
    url.searchParams.set('options', '-c statement_timeout=12345');
    const database = await openDatabase({ url: url.toString(), poolMax: 1 });
    try {
      const both = await database.transaction((tx) =>
        tx.query("SELECT current_setting('jit') AS jit, current_setting('statement_timeout') AS timeout"),
      );
      expect(both.rows).toEqual([{ jit: 'off', timeout: '12345ms' }]);
    } finally {
      await database.close();
    }
  });
});
