/**
 * Which organizations a command works on: `--org <id>`, `--all` (every organization, which needs
 * the server's ADMIN_TOKEN), or, for the checks, whatever the key can see.
 */
import type { ApiClient } from './api.js';
import { AdminOrgList, OrgList, Organization } from './contract.js';
import { CliError, usageError } from './errors.js';

export interface OrgTarget {
  id: string;
  name: string;
}

/** One organization by id; an id the key cannot see is "unknown organization" (exit 3). */
export async function findOrg(api: ApiClient, orgId: string): Promise<OrgTarget> {
  const org = await api.get(`/api/orgs/${encodeURIComponent(orgId)}`, Organization);
  return { id: org.id, name: org.name };
}

/** Every organization of the platform (`GET /api/admin/orgs`, ADMIN_TOKEN only). */
export async function allOrgs(api: ApiClient): Promise<OrgTarget[]> {
  const { data } = await api.get('/api/admin/orgs', AdminOrgList);
  return data.map((o) => ({ id: o.id, name: o.name }));
}

/** The organizations the key can see: all of them for ADMIN_TOKEN, else the key's own. */
export async function visibleOrgs(api: ApiClient): Promise<{ admin: boolean; orgs: OrgTarget[] }> {
  try {
    return { admin: true, orgs: await allOrgs(api) };
  } catch (err) {
    if (!(err instanceof CliError) || err.code !== 'admin_required') throw err;
  }
  const { data } = await api.get('/api/orgs', OrgList);
  return { admin: false, orgs: data.map((o) => ({ id: o.id, name: o.name })) };
}

/**
 * The organizations of a command with `--org <id> | --all`. With neither, `whenNone` decides:
 * `required` is a usage error, `visible` takes what the key can see.
 */
export async function resolveTargets(
  api: ApiClient,
  options: { org?: string; all?: boolean },
  whenNone: 'required' | 'visible',
): Promise<OrgTarget[]> {
  if (options.org && options.all) throw usageError('pass either --org <id> or --all, not both');
  if (options.org) return [await findOrg(api, options.org)];
  if (options.all) return allOrgs(api);
  if (whenNone === 'required') throw usageError('pass --org <id> (one organization) or --all (every one)');
  return (await visibleOrgs(api)).orgs;
}

/** `/api/orgs/<id>` with the id escaped. */
export const orgPath = (orgId: string, rest = '') => `/api/orgs/${encodeURIComponent(orgId)}${rest}`;
