import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { STATUS_RANK, TERMINAL_STATUSES, isTerminalStatus } from '../../../common/call-status.js';
import { REGISTER_FIELDS, isApiSource, mergeSnapshot, type CallProviderState } from './merge.js';
import { compareApiTerminal, payloadDigest, sameValue, snapshotStamp, valueClass } from './merge-rules.js';
import { delivery, fold, lifecycleArb, reload, type Delivery, type Lifecycle } from './merge.testing.js';

const RUNS = 400;

/** A lifecycle with one arrival order of its deliveries (all of them, shuffled). */
const shuffledArb = lifecycleArb.chain((life) =>
  fc.tuple(
    fc.constant(life),
    fc.shuffledSubarray(life.deliveries, {
      minLength: life.deliveries.length,
      maxLength: life.deliveries.length,
    }),
  ),
);

/** Each delivery 1–3 times, all copies interleaved in any order. */
const duplicatedArb = lifecycleArb.chain((life) =>
  fc
    .array(fc.integer({ min: 1, max: 3 }), {
      minLength: life.deliveries.length,
      maxLength: life.deliveries.length,
    })
    .chain((counts) => {
      const copies = life.deliveries.flatMap((d, i) => Array<Delivery>(counts[i] ?? 1).fill(d));
      return fc.tuple(
        fc.constant(life),
        fc.shuffledSubarray(copies, { minLength: copies.length, maxLength: copies.length }),
      );
    }),
);

const inOrder = (life: Lifecycle) => fold(life.initial, life.deliveries).state;
const rank = (state: CallProviderState) => STATUS_RANK[state.status];
const maxDeliveredRank = (ds: readonly Delivery[]) =>
  Math.max(-1, ...ds.map((d) => (d.snapshot.status ? STATUS_RANK[d.snapshot.status] : -1)));

describe('mergeSnapshot properties (generated Bolna lifecycles)', () => {
  it('1. any permutation of the deliveries ends in the same call (mergeState included)', () => {
    fc.assert(
      fc.property(shuffledArb, ([life, order]) => {
        expect(fold(life.initial, order).state).toEqual(inOrder(life));
      }),
      { numRuns: RUNS },
    );
  });

  it('2. any duplication and interleaving ends like in-order delivery once', () => {
    fc.assert(
      fc.property(duplicatedArb, ([life, order]) => {
        expect(fold(life.initial, order).state).toEqual(inOrder(life));
      }),
      { numRuns: RUNS },
    );
  });

  it('3a. any subset, in any order, equals in-order delivery of that subset and keeps the top rank', () => {
    const arb = lifecycleArb.chain((life) => fc.tuple(fc.constant(life), fc.subarray(life.deliveries)));
    fc.assert(
      fc.property(
        arb.chain(([life, subset]) =>
          fc.tuple(
            fc.constant(life),
            fc.constant(subset),
            fc.shuffledSubarray(subset, { minLength: subset.length, maxLength: subset.length }),
          ),
        ),
        ([life, subset, order]) => {
          const got = fold(life.initial, order).state;
          expect(got).toEqual(fold(life.initial, subset).state);
          expect(rank(got)).toBeGreaterThanOrEqual(maxDeliveredRank(subset));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('3b. a subset holding the final snapshot ends like full delivery; start/end times only later', () => {
    const arb = lifecycleArb.chain((life) => {
      // The final snapshot: the most advanced delivery, whose body full delivery keeps.
      const want = inOrder(life);
      const finals = life.deliveries.filter(
        (d) =>
          payloadDigest(d.body) === want.mergeState?.rawDigest &&
          sameValue(snapshotStamp(d.snapshot, isApiSource(d.source)), want.mergeState?.raw),
      );
      return fc.tuple(fc.constant(life), fc.subarray(life.deliveries), fc.constantFrom(...finals));
    });
    fc.assert(
      fc.property(arb, ([life, subset, last]) => {
        const got = fold(life.initial, [...subset, last]).state;
        const want = inOrder(life);
        const strip = ({ startedAt: _s, endedAt: _e, mergeState: _m, ...rest }: CallProviderState) => rest;
        expect(strip(got)).toEqual(strip(want));
        for (const key of ['startedAt', 'endedAt'] as const) {
          expect(got[key] === null).toBe(want[key] === null);
          expect(got[key]?.getTime() ?? 0).toBeGreaterThanOrEqual(want[key]?.getTime() ?? 0);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('4. a terminal status never changes under webhooks; the API corrects it', () => {
    const conflictArb = fc.record({
      status: fc.constantFrom(...TERMINAL_STATUSES),
      source: fc.constantFrom('webhook' as const, 'replay' as const, 'poll' as const, 'sync' as const),
      afterMs: fc.integer({ min: -120_000, max: 120_000 }),
    });
    const arb = lifecycleArb.chain((life) =>
      fc.array(conflictArb, { minLength: 1, maxLength: 4 }).chain((conflicts) => {
        const end = life.deliveries.at(-1) as Delivery;
        const endMs = end.receivedAt.getTime();
        const extra = conflicts.map((c, i) => {
          const body = {
            ...end.body,
            status: c.status.replaceAll('_', '-'),
            updated_at: new Date(endMs + c.afterMs + i).toISOString(),
          };
          return delivery(`${c.source}:${c.status}`, body, c.source, endMs + c.afterMs + i);
        });
        const all = [...life.deliveries, ...extra];
        return fc.tuple(
          fc.constant(life),
          fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length }),
        );
      }),
    );
    fc.assert(
      fc.property(arb, ([life, order]) => {
        for (const { before, result, d } of fold(life.initial, order).steps) {
          const after = result.next;
          expect(rank(after)).toBeGreaterThanOrEqual(rank(before));
          const incoming = d.snapshot.status;
          if (!isTerminalStatus(before.status) || !isTerminalStatus(incoming) || incoming === null) continue;
          if (!isApiSource(d.source)) {
            expect(after.status).toBe(before.status);
            continue;
          }
          const held = before.mergeState?.terminal;
          const at = d.snapshot.providerUpdatedAt?.toISOString() ?? null;
          const wins =
            !held?.api ||
            compareApiTerminal({ status: incoming, at }, { status: before.status, at: held.at }) > 0;
          expect(after.status).toBe(wins ? incoming : before.status);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('5a. in provider order, repeats arriving any time later: a provider start/end time never changes', () => {
    const arb = lifecycleArb.chain((life) =>
      fc
        .array(fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 2 }), {
          minLength: life.deliveries.length,
          maxLength: life.deliveries.length,
        })
        .map((delays) => {
          const timed = life.deliveries.flatMap((d, i) => [
            { at: i * 10, d },
            ...(delays[i] ?? []).map((delay) => ({ at: i * 10 + delay, d })),
          ]);
          timed.sort((a, b) => a.at - b.at);
          return [life, timed.map((t) => t.d)] as const;
        }),
    );
    fc.assert(
      fc.property(arb, ([life, order]) => {
        for (const { before, result } of fold(life.initial, order).steps) {
          for (const [key, from] of [
            ['startedAt', before.mergeState?.startedAtFrom],
            ['endedAt', before.mergeState?.endedAtFrom],
          ] as const) {
            const was = before[key];
            if (was === null) continue;
            // A time from our receipt clock (the snapshot had no updated_at) is a stand-in: the
            // provider's own time for the same stage may still correct it, but only earlier.
            if (from === 'provider') expect(result.next[key]).toEqual(was);
            else expect(result.next[key]?.getTime()).toBeLessThanOrEqual(was.getTime());
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('5b. in any order, start/end times never move later and end where in-order delivery puts them', () => {
    fc.assert(
      fc.property(duplicatedArb, ([life, order]) => {
        const { state, steps } = fold(life.initial, order);
        for (const { before, result } of steps) {
          for (const key of ['startedAt', 'endedAt'] as const) {
            const was = before[key];
            if (was !== null) expect(result.next[key]?.getTime()).toBeLessThanOrEqual(was.getTime());
          }
        }
        const want = inOrder(life);
        expect([state.startedAt, state.endedAt]).toEqual([want.startedAt, want.endedAt]);
      }),
      { numRuns: RUNS },
    );
  });

  it('6. present values are never erased; changed lists exactly the fields that changed', () => {
    fc.assert(
      fc.property(duplicatedArb, ([life, order]) => {
        for (const { before, result } of fold(life.initial, order).steps) {
          const after = result.next;
          for (const field of REGISTER_FIELDS) {
            expect(valueClass(after[field])).toBeGreaterThanOrEqual(valueClass(before[field]));
          }
          for (const key of ['startedAt', 'endedAt', 'providerCallId'] as const) {
            if (before[key] !== null) expect(after[key]).not.toBeNull();
          }
          if (before.mergeState?.rawDigest) expect(after.mergeState?.rawDigest).toBeTruthy();
          const differing = (Object.keys(after) as (keyof CallProviderState)[]).filter(
            (k) => k !== 'mergeState' && !sameValue(before[k], after[k]),
          );
          expect([...result.changed].sort()).toEqual(differing.sort());
          if (result.verdict !== 'applied') expect(after).toBe(before);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('7. merging the same snapshot twice equals merging it once', () => {
    const arb = lifecycleArb.chain((life) =>
      fc.tuple(fc.constant(life), fc.subarray(life.deliveries), fc.constantFrom(...life.deliveries)),
    );
    fc.assert(
      fc.property(arb, ([life, seen, x]) => {
        const start = fold(life.initial, seen).state;
        const once = reload(mergeSnapshot(start, x.snapshot, x.source, x.receivedAt).next);
        const twice = mergeSnapshot(once, x.snapshot, x.source, new Date(x.receivedAt.getTime() + 60_000));
        expect(twice.next).toEqual(once);
        expect(twice.changed).toEqual([]);
        expect(twice.verdict).toBe(
          payloadDigest(x.body) === once.mergeState?.rawDigest ? 'duplicate' : 'stale',
        );
      }),
      { numRuns: RUNS },
    );
  });
});
