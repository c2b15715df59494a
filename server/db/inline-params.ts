/**
 * A parameterised statement as plain SQL text: each `$n` placeholder replaced by its value as a
 * literal. PostgreSQL's simple query protocol takes no parameters but takes several statements in
 * one message, so a transaction can send `BEGIN` with its first statement, and its last statement
 * with `COMMIT`, in one round trip each (`Database.transaction`).
 *
 * Values are converted as node-postgres converts parameters (null and undefined: NULL; arrays: array
 * literals; other objects: JSON), except a Date, written in UTC (`toISOString`) where node-postgres
 * writes local time with its offset: the same instant for a `timestamptz`, which every timestamp
 * column of the schema is, but not for a `timestamp` without time zone, which this must not be used
 * for. Each is written as a dollar-quoted string, which PostgreSQL reads without any escape
 * processing whatever the session's settings; like parameters, they are of unknown type until the
 * statement's context (or a cast) gives them one. Placeholders inside quoted strings, quoted
 * identifiers, dollar-quoted bodies and comments are left alone.
 */

/** The text `value` stands for, as node-postgres would send it; null for SQL NULL. */
function textOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return arrayLiteral(value);
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) {
    throw new TypeError('binary parameters cannot be written inline');
  }
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** A PostgreSQL array literal, `{"a","b",NULL}`, nested arrays as nested braces. */
function arrayLiteral(values: unknown[]): string {
  const items = values.map((item) => {
    if (Array.isArray(item)) return arrayLiteral(item);
    const text = textOf(item);
    return text === null ? 'NULL' : `"${text.replace(/[\\"]/g, '\\$&')}"`;
  });
  return `{${items.join(',')}}`;
}

/**
 * `text` dollar-quoted with a tag that neither occurs in it nor is completed by its end (`x$p` and
 * the tag `$p$` would close early).
 */
function dollarQuoted(text: string): string {
  for (let n = 0; ; n += 1) {
    const tag = n === 0 ? '$p$' : `$p${n}$`;
    if ((text + tag).indexOf(tag) === text.length) return `${tag}${text}${tag}`;
  }
}

/** The literal for `value`: NULL or a dollar-quoted string. */
export function sqlLiteral(value: unknown): string {
  const text = textOf(value);
  return text === null ? 'NULL' : dollarQuoted(text);
}

/**
 * `text` with its placeholders `$1`…`$n` replaced by `params` as literals. Throws when a placeholder
 * has no parameter, so a statement is never sent with a hole in it.
 */
export function inlineParams(text: string, params: readonly unknown[] = []): string {
  const literals = new Map<number, string>();
  const literal = (n: number) => {
    if (n < 1 || n > params.length) {
      throw new RangeError(`placeholder $${n} has no parameter (${params.length} given)`);
    }
    let cached = literals.get(n);
    if (cached === undefined) literals.set(n, (cached = sqlLiteral(params[n - 1])));
    return cached;
  };
  let out = '';
  let copied = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "'" || c === '"') {
      // A quoted string or identifier; a doubled quote inside it is part of it.
      i += 1;
      while (i < text.length && !(text[i] === c && text[i + 1] !== c)) i += text[i] === c ? 2 : 1;
      i += 1;
    } else if (c === '-' && text[i + 1] === '-') {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? text.length : end + 2;
    } else if (c === '$') {
      const placeholder = /^\$(\d+)/.exec(text.slice(i, i + 12));
      const quote = placeholder ? null : /^\$([A-Za-z_][A-Za-z_0-9]*)?\$/.exec(text.slice(i, i + 64));
      if (placeholder && !/[A-Za-z_0-9]/.test(text[i - 1] ?? '')) {
        out += text.slice(copied, i) + literal(Number(placeholder[1]));
        i += placeholder[0].length;
        copied = i;
      } else if (quote && !/[A-Za-z_0-9]/.test(text[i - 1] ?? '')) {
        // A dollar-quoted body: skipped to its closing tag.
        const end = text.indexOf(quote[0], i + quote[0].length);
        i = end === -1 ? text.length : end + quote[0].length;
      } else {
        i += 1;
      }
    } else {
      i += 1;
    }
  }
  return out + text.slice(copied);
}
