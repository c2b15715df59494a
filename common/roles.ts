/**
 * Organization roles, lowest to highest. Viewers read; members operate calls and agents; admins
 * manage members, keys and settings; owners do everything, including managing owners.
 */
export const ROLES = ['viewer', 'member', 'admin', 'owner'] as const;
export type Role = (typeof ROLES)[number];

/** Roles an API key may carry: a key never owns an organization. */
export const API_KEY_ROLES = ['viewer', 'member', 'admin'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

/** True when `role` is at least `required`. */
export function roleAtLeast(role: Role, required: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(required);
}
