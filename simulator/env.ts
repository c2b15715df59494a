import { z } from 'zod';
import { KNOB_ENV, knobsPatchSchema, type SimulatorKnobs } from './knobs.js';
import type { SimulatorOptions } from './server.js';

/**
 * Reading the simulator's configuration from environment variables (for `npm run simulator`). Every
 * invalid variable is reported at once, named by its variable, so one restart fixes them all.
 */

/** Default port of the standalone simulator. */
export const DEFAULT_SIM_PORT = 5100;

type Env = Record<string, string | undefined>;

const BOOLEAN_WORDS: Record<string, boolean> = {
  true: true,
  '1': true,
  yes: true,
  on: true,
  false: false,
  '0': false,
  no: false,
  off: false,
};
const BOOLEAN_KNOBS = new Set<keyof SimulatorKnobs>(['webhookReorder', 'queuedWebhook']);

/** The outcome of reading the environment: options to start with, or every problem found. */
export type SimulatorEnvResult =
  { ok: true; options: SimulatorOptions & { port: number } } | { ok: false; errors: string[] };

/** Parses `SIM_*` variables (see docs/simulator.md). Unset or empty variables keep their defaults. */
export function parseSimulatorEnv(env: Env): SimulatorEnvResult {
  const errors: string[] = [];
  const options: SimulatorOptions & { port: number } = { port: DEFAULT_SIM_PORT };

  const port = env.SIM_PORT?.trim();
  if (port) {
    const value = Number(port);
    if (Number.isInteger(value) && value >= 0 && value <= 65_535) options.port = value;
    else errors.push(`SIM_PORT must be a port number (0-65535), got "${port}"`);
  }
  if (env.SIM_HOST?.trim()) options.host = env.SIM_HOST.trim();
  const keys = (env.SIM_API_KEY ?? 'sim-key')
    .split(',')
    .map((key) => key.trim())
    .filter(Boolean);
  if (keys.length === 0) errors.push('SIM_API_KEY must name at least one key (comma-separated)');
  else options.apiKeys = keys;
  const publicUrl = env.SIM_PUBLIC_URL?.trim();
  if (publicUrl) {
    if (z.url({ protocol: /^https?$/ }).safeParse(publicUrl).success) options.publicUrl = publicUrl;
    else errors.push(`SIM_PUBLIC_URL must be an http(s) URL, got "${publicUrl}"`);
  }

  const shape = knobsPatchSchema.shape;
  for (const [knob, variable] of Object.entries(KNOB_ENV) as [keyof SimulatorKnobs, string][]) {
    const text = env[variable]?.trim();
    if (!text) continue;
    let input: unknown = text;
    if (BOOLEAN_KNOBS.has(knob)) {
      input = BOOLEAN_WORDS[text.toLowerCase()];
      if (input === undefined) {
        errors.push(`${variable} must be true or false, got "${text}"`);
        continue;
      }
    } else if (knob !== 'outcomes') {
      input = Number(text);
      if (!Number.isFinite(input)) {
        errors.push(`${variable} must be a number, got "${text}"`);
        continue;
      }
    }
    const parsed = shape[knob].safeParse(input);
    if (parsed.success) Object.assign(options, { [knob]: parsed.data });
    else
      errors.push(
        `${variable}: ${parsed.error.issues.map((issue) => issue.message).join('; ')} (got "${text}")`,
      );
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, options };
}
