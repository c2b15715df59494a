/** A benchmark setting from the environment. */

/**
 * The number in `process.env[name]`, or `fallback` when unset or empty; throws with the variable's
 * name when it is not a number (`integer`: a whole number) of at least `min`.
 */
export function numberFromEnv(
  name: string,
  fallback: number,
  { min = 0, integer = false }: { min?: number; integer?: boolean } = {},
): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!(integer ? Number.isInteger(value) : Number.isFinite(value)) || value < min)
    throw new Error(`${name} must be ${integer ? 'a whole number' : 'a number'} ≥ ${min}, got "${raw}"`);
  return value;
}
