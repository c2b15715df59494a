/**
 * A JSON array parameter read as a table of rows:
 * `(SELECT * FROM jsonb_to_recordset($n::jsonb) AS alias(columns) LIMIT count) AS alias`.
 *
 * The LIMIT is the number of rows the array holds, and tells the planner so: it assumes a hundred
 * rows of any set-returning function, and for a batch of a few rows would then hash a whole table
 * (every call of a mid-sized history, every agent) instead of looking each row up by its index.
 */
export function jsonRows(placeholder: string, alias: string, columns: string, count: number): string {
  if (!Number.isSafeInteger(count) || count < 0)
    throw new RangeError(`row count must be an integer ≥ 0, got ${count}`);
  return `(SELECT * FROM jsonb_to_recordset(${placeholder}::jsonb) AS ${alias}(${columns}) LIMIT ${count}) AS ${alias}`;
}
