/**
 * The signed-in frame: a left sidebar (organization switcher, navigation, connection state, the
 * user), the page, the New call dialog, and a live region announcing call changes. Below 900 px the
 * sidebar becomes a drawer behind a menu button.
 */
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { NavLink, Outlet, useLocation } from 'react-router';
import { NewCallDialog } from '../pages/calls/NewCallDialog';
import { RealtimeProvider, useConnectionState } from '../realtime/socket';
import { OrgProvider, useOrg, useSignOut, type OrgContextValue } from '../session';
import type { Me } from '../api/client';
import { Icon, type IconName } from './Icon';
import { Logo } from './Logo';

const NewCallContext = createContext<(agentId?: string) => void>(() => {});

/** Opens the New call dialog (optionally with an agent chosen). */
export function useNewCall() {
  return useContext(NewCallContext);
}

export function Shell({ me }: { me: Me }) {
  const [announcement, setAnnouncement] = useState('');
  const membershipKey = me.organizations.map((o) => `${o.id}:${o.role}`).join(',');
  return (
    <OrgProvider me={me}>
      <RealtimeProvider membershipKey={`${me.user.id}|${membershipKey}`} announce={setAnnouncement}>
        <Frame />
        <div className="visually-hidden" aria-live="polite" aria-atomic="true">
          {announcement}
        </div>
      </RealtimeProvider>
    </OrgProvider>
  );
}

const NAV: { to: string; label: string; icon: IconName; end?: boolean }[] = [
  { to: '/', label: 'Dashboard', icon: 'dashboard', end: true },
  { to: '/calls', label: 'Calls', icon: 'phone' },
  { to: '/agents', label: 'Agents', icon: 'agent' },
  { to: '/settings', label: 'Settings', icon: 'settings' },
];

function Frame() {
  const ctx = useOrg();
  const location = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const [newCall, setNewCall] = useState<{ agentId?: string } | null>(null);
  const openNewCall = useCallback((agentId?: string) => setNewCall({ agentId }), []);

  useEffect(() => setMenuOpen(false), [location.pathname]);

  return (
    <NewCallContext.Provider value={openNewCall}>
      <a className="skip-link" href="#content">
        Skip to content
      </a>
      <div className="shell">
        <header className="mobile-bar">
          <button
            type="button"
            className="btn btn-ghost btn-icon"
            aria-label={menuOpen ? 'Close menu' : 'Open menu'}
            aria-expanded={menuOpen}
            aria-controls="sidebar"
            onClick={() => setMenuOpen((o) => !o)}
          >
            <Icon name={menuOpen ? 'close' : 'menu'} size={18} />
          </button>
          <Logo />
          <ConnectionDot compact />
        </header>
        <aside id="sidebar" className={`sidebar${menuOpen ? ' sidebar-open' : ''}`}>
          <div className="sidebar-brand">
            <Logo />
          </div>
          <OrgSwitcher ctx={ctx} />
          <nav aria-label="Main" className="nav">
            {NAV.map((item) => (
              <NavLink key={item.to} to={item.to} end={item.end} className="nav-link">
                <Icon name={item.icon} size={17} />
                {item.label}
              </NavLink>
            ))}
          </nav>
          <SidebarFooter ctx={ctx} />
        </aside>
        {menuOpen && <div className="scrim" onClick={() => setMenuOpen(false)} aria-hidden="true" />}
        <main id="content" className="content" tabIndex={-1}>
          <Outlet />
        </main>
      </div>
      {newCall && <NewCallDialog initialAgentId={newCall.agentId} onClose={() => setNewCall(null)} />}
    </NewCallContext.Provider>
  );
}

function OrgSwitcher({ ctx }: { ctx: OrgContextValue }) {
  return (
    <div className="org-switcher">
      <label htmlFor="org-switcher" className="org-switcher-label">
        Organization
      </label>
      <div className="select-wrap">
        <span className="org-avatar" aria-hidden="true">
          {ctx.org.name.slice(0, 1).toUpperCase()}
        </span>
        <select id="org-switcher" value={ctx.org.id} onChange={(e) => ctx.switchOrg(e.target.value)}>
          {ctx.orgs.map((o) => (
            <option key={o.id} value={o.id}>
              {o.name}
            </option>
          ))}
        </select>
        <Icon name="chevronDown" />
      </div>
      <span className="org-role">{roleLabel(ctx.org.role)}</span>
    </div>
  );
}

function SidebarFooter({ ctx }: { ctx: OrgContextValue }) {
  const signOut = useSignOut();
  const { user } = ctx.me;
  return (
    <div className="sidebar-footer">
      <ConnectionDot />
      <div className="user">
        <span className="user-avatar" aria-hidden="true">
          {initials(user.name)}
        </span>
        <div className="user-text">
          <span className="user-name">{user.name}</span>
          <span className="user-email">{user.email}</span>
        </div>
        <button
          type="button"
          className="btn btn-ghost btn-icon"
          onClick={() => void signOut()}
          title="Sign out"
        >
          <Icon name="logout" label="Sign out" />
        </button>
      </div>
    </div>
  );
}

function ConnectionDot({ compact }: { compact?: boolean }) {
  const state = useConnectionState();
  const text = state === 'live' ? 'Live' : state === 'connecting' ? 'Connecting…' : 'Offline, reconnecting';
  return (
    <div
      className={`connection connection-${state}${compact ? ' connection-compact' : ''}`}
      title={
        state === 'live'
          ? 'Calls and numbers update as they happen'
          : 'Updates paused; the page refreshes when back'
      }
    >
      <span className="dot" aria-hidden="true" />
      <span className={compact ? 'visually-hidden' : undefined}>{text}</span>
    </div>
  );
}

export function roleLabel(role: string): string {
  return role.charAt(0).toUpperCase() + role.slice(1);
}

function initials(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0]!.toUpperCase())
    .join('');
}

/** A page's frame without the sidebar (sign-in, sign-up, invitations). */
export function AuthFrame({ children, wide }: { children: ReactNode; wide?: boolean }) {
  return (
    <main className="auth-page">
      <div className="auth-brand">
        <Logo />
      </div>
      <div className={`auth-card${wide ? ' auth-card-wide' : ''}`}>{children}</div>
      <p className="auth-foot muted">AI voice agents on Bolna · self-hosted</p>
    </main>
  );
}
