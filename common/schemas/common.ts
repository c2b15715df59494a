import { z } from 'zod';

/** Every error body the API sends. */
export const ErrorBody = z
  .object({
    error: z.string().describe('Stable machine-readable code, e.g. `validation_failed`'),
    message: z.string().describe('What went wrong, in words'),
    details: z.unknown().optional(),
    requestId: z.string(),
  })
  .meta({ id: 'Error' });
export type ErrorBody = z.infer<typeof ErrorBody>;

export const Uuid = z.uuid();
export const IsoDate = z.iso.datetime({ offset: true });
export const Email = z
  .email()
  .max(320)
  .transform((e) => e.trim());
export const OrgParams = z.object({ orgId: z.uuid() });

// A missing field reads "is required" rather than a type error about `undefined`.
z.config({
  customError: (issue) =>
    issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : undefined,
});
