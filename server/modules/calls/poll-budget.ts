/**
 * The rate budget for reading executions from Bolna, per API key: a poll reserves a request slot
 * before each GET /executions, and a 429 pauses the whole key for its Retry-After. One process holds
 * the budget in memory; several nodes share it through Redis (see the realtime notes in the README).
 *
 * Slots are handed out like a GCRA (generic cell rate algorithm) scheduler: a burst of a tenth of
 * the minute's budget may go at once, then one slot every `60 s / perMinute`. A poll that is not
 * given the present gets a slot of its own in the future and waits for it, instead of asking again:
 * with thousands of calls to confirm, each poll is rescheduled once, spread over the minutes the
 * budget needs, and never in a herd at the start of the next window.
 */
import type { RedisClientType } from 'redis';
import { sha256Hex } from '../../lib/crypto.js';

export interface PollBudget {
  /**
   * Reserves the key's next request slot: 0 when the request may go now, else the milliseconds
   * until the reserved slot. The slot belongs to the caller, who sends its request then without
   * reserving again.
   */
  reserve(apiKey: string): Promise<number>;
  /** Bolna said 429: no slot of this key starts before `ms` from now. */
  pause(apiKey: string, ms: number): Promise<void>;
}

/** Where each key's next free slot (epoch ms) lives: memory or Redis. */
interface SlotStore {
  /**
   * Atomically takes the slot at `start = max(next free slot, now, floor)` and moves the next free
   * slot to `start + interval`; returns `start` and the store's `now`.
   */
  advance(key: string, interval: number, floor: number): Promise<{ start: number; now: number }>;
}

export function createPollBudget(perMinute: number, redis?: RedisClientType): PollBudget {
  const interval = 60_000 / perMinute;
  // Slots within this much of now go at once: a burst of a tenth of the minute's budget.
  const burst = (Math.max(1, Math.floor(perMinute / 10)) - 1) * interval;
  const store = redis ? redisSlots(redis) : memorySlots();
  const key = (apiKey: string) => `automitra:bolna_poll:${sha256Hex(apiKey).slice(0, 16)}`;
  return {
    async reserve(apiKey) {
      const { start, now } = await store.advance(key(apiKey), interval, 0);
      return Math.max(0, Math.ceil(start - burst - now));
    },
    async pause(apiKey, ms) {
      // Moves the next slot past the pause (the burst allowance included), reserving nothing.
      await store.advance(key(apiKey), 0, Date.now() + ms + burst);
    },
  };
}

function memorySlots(): SlotStore {
  const tat = new Map<string, number>();
  return {
    async advance(key, interval, floor) {
      const now = Date.now();
      const start = Math.max(tat.get(key) ?? 0, now, floor);
      tat.set(key, start + interval);
      return { start, now };
    },
  };
}

/** The same in one Lua script, on Redis's clock; the key expires once its slots are in the past. */
const ADVANCE = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local start = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now, tonumber(ARGV[2]))
local tat = start + tonumber(ARGV[1])
redis.call('SET', KEYS[1], tostring(tat), 'PX', math.max(1, math.ceil(tat - now)) + 60000)
return { tostring(start), tostring(now) }`;

function redisSlots(redis: RedisClientType): SlotStore {
  return {
    async advance(key, interval, floor) {
      // A pause's floor is on this process's clock; slots are on Redis's: close enough for a pause.
      const reply = (await redis.eval(ADVANCE, {
        keys: [key],
        arguments: [String(interval), String(floor)],
      })) as [string, string];
      return { start: Number(reply[0]), now: Number(reply[1]) };
    },
  };
}
