/** Form helpers: the same Zod schemas the server validates with, with messages keyed by field. */
import type { z } from 'zod';
import { ApiError } from '../api/client';

export type FieldErrors = Record<string, string>;

/** Parses `values` with `schema`; on failure, one message per field (the first). */
export function validate<S extends z.ZodType>(
  schema: S,
  values: unknown,
): { ok: true; data: z.output<S> } | { ok: false; errors: FieldErrors } {
  const result = schema.safeParse(values);
  if (result.success) return { ok: true, data: result.data };
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const field = issue.path.join('.') || 'form';
    errors[field] ??= sentence(issue.message);
  }
  return { ok: false, errors };
}

/** The per-field messages of an API validation error (field names without `body.`). */
export function apiFieldErrors(err: unknown): FieldErrors {
  if (!(err instanceof ApiError)) return {};
  const out: FieldErrors = {};
  for (const [field, message] of Object.entries(err.fieldErrors))
    out[field.replace(/^body\./, '')] = sentence(message);
  return out;
}

/** `must be at least 10 characters` → `Must be at least 10 characters.` */
export function sentence(message: string): string {
  const text = message.charAt(0).toUpperCase() + message.slice(1);
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
