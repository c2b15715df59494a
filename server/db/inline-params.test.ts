import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inlineParams, sqlLiteral } from './inline-params.js';

describe('inlineParams', () => {
  it('replaces each placeholder by its value, the same literal each time it is used', () => {
    expect(inlineParams('SELECT $1::int + $2, $1', [5, 'x'])).toBe('SELECT $p$5$p$::int + $p$x$p$, $p$5$p$');
    expect(inlineParams('SELECT $10, $1', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])).toBe('SELECT $p$10$p$, $p$1$p$');
  });

  it('writes values as node-postgres sends them', () => {
    expect(sqlLiteral(null)).toBe('NULL');
    expect(sqlLiteral(undefined)).toBe('NULL');
    expect(sqlLiteral(true)).toBe('$p$true$p$');
    expect(sqlLiteral(new Date('2026-01-02T03:04:05.678Z'))).toBe('$p$2026-01-02T03:04:05.678Z$p$');
    expect(sqlLiteral({ a: [1, 'b'] })).toBe('$p${"a":[1,"b"]}$p$');
    expect(sqlLiteral(['a', null, 'q"u\\o', ['n']])).toBe('$p${"a",NULL,"q\\"u\\\\o",{"n"}}$p$');
    expect(() => sqlLiteral(Buffer.from('x'))).toThrow(/binary/);
  });

  it('picks a dollar-quote tag the value neither holds nor completes', () => {
    expect(sqlLiteral('a $p$ b')).toBe('$p1$a $p$ b$p1$');
    expect(sqlLiteral('ends in $p')).toBe('$p1$ends in $p$p1$');
    expect(sqlLiteral('$p$ and $p1$ and $p2')).toBe('$p3$$p$ and $p1$ and $p2$p3$');
  });

  it('leaves placeholder-like text in strings, identifiers, dollar quotes and comments alone', () => {
    const text = `SELECT '$1 it''s', "col$1", $q$ $1 $q$, $$ $1 $$ -- $1
      /* $1 */ , a$1, $1`;
    expect(inlineParams(text, ['v'])).toBe(text.replace(/, \$1$/, ', $p$v$p$'));
  });

  it('refuses a placeholder without a parameter', () => {
    expect(() => inlineParams('SELECT $2', [1])).toThrow(/\$2 has no parameter/);
    expect(() => inlineParams('SELECT $0', [1])).toThrow(/\$0 has no parameter/);
  });

  it('keeps any string intact inside its literal', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('$', 'p', '1', "'", '"', '\\', 'x') }), (value) => {
        const literal = sqlLiteral(value);
        const tag = /^\$p\d*\$/.exec(literal)![0];
        expect(literal.startsWith(tag) && literal.endsWith(tag)).toBe(true);
        const body = literal.slice(tag.length, -tag.length);
        expect(body).toBe(value);
        // The closing tag is the first occurrence after the opening one.
        expect(literal.indexOf(tag, tag.length)).toBe(literal.length - tag.length);
      }),
    );
  });
});
