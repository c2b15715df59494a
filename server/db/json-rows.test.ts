import { describe, expect, it } from 'vitest';
import { jsonRows } from './json-rows.js';

describe('jsonRows', () => {
  it('reads the parameter as rows, limited to the count it holds', () => {
    expect(jsonRows('$2', 'w', 'id uuid, n int', 3)).toBe(
      '(SELECT * FROM jsonb_to_recordset($2::jsonb) AS w(id uuid, n int) LIMIT 3) AS w',
    );
  });

  it('refuses a count that is not a whole number of rows', () => {
    expect(() => jsonRows('$1', 'v', 'id uuid', -1)).toThrow(RangeError);
    expect(() => jsonRows('$1', 'v', 'id uuid', 1.5)).toThrow(RangeError);
  });
});
