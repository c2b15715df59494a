import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testDbKind, type TestDatabase } from '../../test/db.js';

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
});
