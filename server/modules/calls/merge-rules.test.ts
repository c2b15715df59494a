import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { payloadDigest, sameJson, stableStringify } from './merge-rules.js';

const json = fc.jsonValue();

describe('stableStringify and sameJson', () => {
  it('is JSON of the same value, whatever the key order', () => {
    fc.assert(
      fc.property(json, (value) => {
        // Compared with what JSON itself makes of the value (-0 becomes 0).
        expect(JSON.parse(stableStringify(value))).toEqual(JSON.parse(JSON.stringify(value)));
        const reversed = JSON.parse(JSON.stringify(value), (_key, v: unknown) =>
          v !== null && typeof v === 'object' && !Array.isArray(v)
            ? Object.fromEntries(Object.entries(v).reverse())
            : v,
        ) as unknown;
        expect(stableStringify(reversed)).toBe(stableStringify(value));
      }),
      { numRuns: 500 },
    );
  });

  it('leaves undefined members out and writes dates as ISO strings', () => {
    expect(stableStringify({ b: 1, a: undefined, c: [undefined, null] })).toBe('{"b":1,"c":[null,null]}');
    expect(stableStringify({ at: new Date('2026-11-21T10:00:00Z') })).toBe(
      '{"at":"2026-11-21T10:00:00.000Z"}',
    );
  });

  it('sorts keys by code unit, integer-like ones included, so stored digests stay valid', () => {
    const body = { '10': 'ten', '9': [{ b: 1, a: 'é' }], '': 0, z: null };
    expect(stableStringify(body)).toBe('{"":0,"10":"ten","9":[{"a":"é","b":1}],"z":null}');
    expect(payloadDigest(body)).toBe('cd7b6afe81ad9c3a5714965e3ab5ef6ded070312176bfc81943cc8cd0c8c2302');
    expect(payloadDigest({ status: 'completed', id: 'x', data: { b: [1, 'two'], a: null } })).toBe(
      'e6a455e0ee4ae87a348b59d8d2ddf79d23c700439dee9623f1c3ce41786915e9',
    );
  });

  it('sameJson agrees with comparing the stable texts', () => {
    const pair = fc.oneof(
      fc.tuple(json, json),
      json.map((v) => [v, JSON.parse(JSON.stringify(v)) as unknown] as const),
    );
    fc.assert(
      fc.property(pair, ([a, b]) => {
        expect(sameJson(a, b)).toBe(stableStringify(a) === stableStringify(b));
      }),
      { numRuns: 500 },
    );
    expect(sameJson({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(sameJson({ a: null }, {})).toBe(false);
    expect(sameJson([1, 2], { 0: 1, 1: 2 })).toBe(false);
  });
});
