import { Suspense } from 'react';
import { Outlet, useLocation } from 'react-router';
import { AppShell } from '../components/layout/app-shell';
import { ErrorBoundary } from '../components/error-boundary';
import { AuthGate } from '../features/auth/components/auth-gate';
import { LogoutButton } from '../features/auth/components/logout-button';
import { HealthBanner } from '../features/system/components/health-banner';
import { HealthStatusLink } from '../features/system/components/health-status-link';
import { ModeBanner } from '../features/system/components/mode-banner';
import { TemporalUiLink } from '../features/system/components/temporal-ui-link';

export function RootLayout() {
  const { pathname } = useLocation();
  return (
    <AuthGate>
      <AppShell
        headerExtras={
          <>
            <TemporalUiLink />
            <LogoutButton />
          </>
        }
        banners={
          <>
            <HealthBanner />
            <ModeBanner />
          </>
        }
        footer={
          <div className="app-footer-inner">
            <HealthStatusLink />
            <span className="muted">Isengard</span>
          </div>
        }
      >
        {/* Keyed by page, so that a broken page recovers when the person navigates away. */}
        <ErrorBoundary key={pathname}>
          <Suspense fallback={<p className="muted page-loading">Loading…</p>}>
            <Outlet />
          </Suspense>
        </ErrorBoundary>
      </AppShell>
    </AuthGate>
  );
}
