import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { RowCounter, type ExportFormat } from './row-counter.js';

/** Feeds `text` one byte-chunk of `size` at a time and returns the count and the bytes that passed. */
async function count(format: ExportFormat, text: string, size = 3) {
  const bytes = Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  const counter = new RowCounter(format);
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(chunks),
    counter,
    new Writable({
      write(chunk: Buffer, _e, cb) {
        out.push(chunk);
        cb();
      },
    }),
  );
  return { rows: counter.rows, bytes: counter.bytes, passed: Buffer.concat(out).toString() };
}

describe('RowCounter', () => {
  it('counts CSV records, not newlines inside quoted fields, and passes every byte through', async () => {
    const csv = 'id,transcript\n1,"assistant: hi\nuser: ""yo"""\n2,plain\n';
    expect(await count('csv', csv)).toEqual({ rows: 2, bytes: Buffer.byteLength(csv), passed: csv });
    expect((await count('csv', 'id,x\n1,a\n2,b')).rows).toBe(2);
    expect((await count('csv', 'id,x\n')).rows).toBe(0);
    expect((await count('csv', '')).rows).toBe(0);
  });

  it('counts the elements of a JSON array, whatever braces hide in strings', async () => {
    const json = JSON.stringify([
      { id: 1, t: 'a } { [ ] " \\ x', nested: { deep: [1, { x: 2 }] } },
      { id: 2, extractedData: null },
      { id: 3, metadata: {} },
    ]);
    expect((await count('json', json, 5)).rows).toBe(3);
    expect((await count('json', '[]')).rows).toBe(0);
    expect((await count('json', '[\n  {"a":1},\n  {"b":"}"}\n]\n', 1)).rows).toBe(2);
  });
});
