/** E.164: a plus sign, a country code not starting with 0, at most 15 digits in all. */
export const E164_PATTERN = /^\+[1-9]\d{6,14}$/;

export const E164_MESSAGE =
  'must be an E.164 phone number: a plus sign, country code and number, e.g. +919876543210';

export function isE164(value: string): boolean {
  return E164_PATTERN.test(value);
}
