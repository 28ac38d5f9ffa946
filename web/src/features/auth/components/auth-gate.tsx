import { useState, type ReactNode } from 'react';
import { useSession } from '../api/session';
import { LoginForm } from './login-form';
import { SetupForm } from './setup-form';

/**
 * Shows the pages once the visitor may see them: at once on a loopback-only instance, after login (or, on the very
 * first visit, after choosing the admin password) on one reachable from elsewhere.
 */
export function AuthGate({ children }: { children: ReactNode }) {
  const session = useSession();
  /** Said above the login when a first-visit setup lost to another one. */
  const [notice, setNotice] = useState<string | null>(null);
  if (session.isPending) return <p className="muted page-loading">Loading…</p>;
  // Without an answer the pages themselves explain what is wrong (the health banner says the server is unreachable).
  if (session.isError || !session.data.authRequired || session.data.authenticated) return children;

  const setup = session.data.setupRequired;
  return (
    <div className="shell">
      <main id="main" className="main sign-in">
        <section className="card sign-in-card" aria-labelledby="sign-in-title">
          <p className="brand" aria-hidden="true">
            <span className="brand-mark" />
            Isengard
          </p>
          <h1 id="sign-in-title" className="page-title">
            {setup ? 'Choose the admin password' : 'Log in'}
          </h1>
          <p className="page-description">
            {setup
              ? 'This Isengard can be reached from other computers, so it asks for a password. Nobody has chosen one yet.'
              : 'This Isengard can be reached from other computers, so it asks for its password.'}
          </p>
          {setup ? <SetupForm onAlreadySetUp={setNotice} /> : <LoginForm notice={notice} />}
        </section>
      </main>
    </div>
  );
}
