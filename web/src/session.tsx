/**
 * Who is signed in (GET /api/auth/me) and which organization the app is looking at. The chosen
 * organization is remembered per browser; roles come from the memberships, so every page can ask
 * `can('admin')` before showing a button the API would refuse.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { roleAtLeast } from '../../common/roles.js';
import { api, ApiError, type Me, type OrgMembership, type Role } from './api/client';
import { keys } from './api/keys';

const ORG_STORAGE_KEY = 'automitra.org';

/** The signed-in user, `null` when signed out, `undefined` while loading. */
export function useMe() {
  return useQuery({
    queryKey: keys.me,
    queryFn: async (): Promise<Me | null> => {
      try {
        return await api.auth.me();
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) return null;
        throw err;
      }
    },
    staleTime: 5 * 60_000,
    retry: (count, err) => !(err instanceof ApiError && err.status < 500) && count < 2,
  });
}

export interface OrgContextValue {
  me: Me;
  org: OrgMembership;
  orgs: OrgMembership[];
  switchOrg(orgId: string): void;
  /** True when the current role is at least `role`. */
  can(role: Role): boolean;
}

const OrgContext = createContext<OrgContextValue | null>(null);

export function OrgProvider({ me, children }: { me: Me; children: ReactNode }) {
  const [chosen, setChosen] = useState(() => localStorage.getItem(ORG_STORAGE_KEY));
  const org = me.organizations.find((o) => o.id === chosen) ?? me.organizations[0];
  const switchOrg = useCallback((orgId: string) => {
    localStorage.setItem(ORG_STORAGE_KEY, orgId);
    setChosen(orgId);
  }, []);
  const value = useMemo(
    () =>
      org
        ? { me, org, orgs: me.organizations, switchOrg, can: (role: Role) => roleAtLeast(org.role, role) }
        : null,
    [me, org, switchOrg],
  );
  if (!value) return <NoOrganization />;
  return <OrgContext.Provider value={value}>{children}</OrgContext.Provider>;
}

/** The current organization; only inside the signed-in shell. */
export function useOrg(): OrgContextValue {
  const value = useContext(OrgContext);
  if (!value) throw new Error('useOrg outside OrgProvider');
  return value;
}

/** Remembers `orgId` as the organization to open (after accepting an invitation, creating one). */
export function rememberOrg(orgId: string): void {
  localStorage.setItem(ORG_STORAGE_KEY, orgId);
}

/** Signs out here and on the server, and forgets every cached answer. */
export function useSignOut() {
  const queryClient = useQueryClient();
  return async () => {
    await api.auth.logout().catch(() => {});
    queryClient.clear();
    queryClient.setQueryData(keys.me, null);
  };
}

function NoOrganization() {
  const signOut = useSignOut();
  return (
    <main className="auth-page">
      <div className="auth-card">
        <h1>No organization</h1>
        <p className="muted">
          You are not a member of any organization any more. Ask an admin for a new invitation link, or sign
          out and create an account with an organization of its own.
        </p>
        <button className="btn" onClick={() => void signOut()}>
          Sign out
        </button>
      </div>
    </main>
  );
}
