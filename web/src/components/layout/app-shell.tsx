import { useEffect, useRef, type ReactNode } from 'react';
import { Link, useLocation } from 'react-router';
import { paths } from '../../config/paths';
import { MobileMenu } from './mobile-menu';
import { Nav } from './nav';

interface AppShellProps {
  children: ReactNode;
  /** Banners under the header: system health, simulation mode. */
  banners?: ReactNode;
  /** Extra links at the right of the header, e.g. the operators' link to the Temporal UI. */
  headerExtras?: ReactNode;
  footer?: ReactNode;
}

export function AppShell({ children, banners, headerExtras, footer }: AppShellProps) {
  const mainRef = useRef<HTMLElement>(null);
  const { pathname } = useLocation();
  const firstRender = useRef(true);

  // After a client-side navigation, move focus to the new page as a full page load would.
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    mainRef.current?.focus();
  }, [pathname]);

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <div className="app-header-inner">
          <Link to={paths.home} className="brand">
            <span className="brand-mark" aria-hidden="true" />
            Isengard
          </Link>
          <MobileMenu>
            <Nav />
            {headerExtras && <div className="header-extras">{headerExtras}</div>}
          </MobileMenu>
        </div>
      </header>
      {banners && <div className="banners">{banners}</div>}
      <main id="main" ref={mainRef} tabIndex={-1} className="main">
        {children}
      </main>
      {footer && <footer className="app-footer">{footer}</footer>}
    </div>
  );
}
