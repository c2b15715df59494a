/** Routes: public pages (sign-in, sign-up, invitations) and the signed-in app inside the shell. */
import { lazy, Suspense } from 'react';
import { createBrowserRouter, Link, Navigate, Outlet, useLocation, useSearchParams } from 'react-router';
import { Shell } from './components/Shell';
import { EmptyState, ErrorNote, Loading } from './components/ui';
import { AgentsPage } from './pages/agents/AgentsPage';
import { InvitePage } from './pages/auth/InvitePage';
import { LoginPage, safeNext } from './pages/auth/LoginPage';
import { SignupPage } from './pages/auth/SignupPage';
import { CallDetailPage } from './pages/calls/CallDetailPage';
import { CallsPage } from './pages/calls/CallsPage';
import { SettingsPage } from './pages/settings/SettingsPage';
import { useMe } from './session';

// Recharts is the largest dependency: it loads with the dashboard only.
const DashboardPage = lazy(() =>
  import('./pages/dashboard/DashboardPage').then((m) => ({ default: m.DashboardPage })),
);

/** The signed-in app; signed out, the sign-in page (coming back here after). */
function RequireUser() {
  const me = useMe();
  const location = useLocation();
  if (me.isPending) return <FullPageLoading />;
  if (me.isError) {
    return (
      <main className="auth-page">
        <div className="auth-card">
          <ErrorNote error={me.error} title="Automitra cannot be reached." />
          <button className="btn" onClick={() => void me.refetch()}>
            Try again
          </button>
        </div>
      </main>
    );
  }
  if (!me.data) {
    const next = location.pathname + location.search;
    return <Navigate to={next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`} replace />;
  }
  return <Shell me={me.data} />;
}

/** Sign-in and sign-up are for signed-out visitors; once signed in, on to `?next=` (or the dashboard). */
function RequireGuest() {
  const me = useMe();
  const [params] = useSearchParams();
  if (me.isPending) return <FullPageLoading />;
  if (me.data) return <Navigate to={safeNext(params.get('next'))} replace />;
  return <Outlet />;
}

function FullPageLoading() {
  return (
    <div className="full-page">
      <Loading label="Loading Automitra…" />
    </div>
  );
}

function NotFoundPage() {
  return (
    <div className="page">
      <EmptyState
        icon="search"
        title="Page not found"
        action={
          <Link className="btn" to="/">
            Go to the dashboard
          </Link>
        }
      >
        This address does not match any page.
      </EmptyState>
    </div>
  );
}

export const router = createBrowserRouter([
  {
    element: <RequireGuest />,
    children: [
      { path: '/login', element: <LoginPage /> },
      { path: '/signup', element: <SignupPage /> },
    ],
  },
  { path: '/invite/:token', element: <InvitePage /> },
  {
    element: <RequireUser />,
    children: [
      {
        path: '/',
        element: (
          <Suspense fallback={<Loading label="Loading the dashboard…" />}>
            <DashboardPage />
          </Suspense>
        ),
      },
      { path: '/calls', element: <CallsPage /> },
      { path: '/calls/:callId', element: <CallDetailPage /> },
      { path: '/agents', element: <AgentsPage /> },
      { path: '/settings', element: <SettingsPage /> },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);
