import { http, HttpResponse } from 'msw';
import { loginInput, setupInput, type Session } from '../../../../../lib/contracts/auth';
import { db, FAKE_CSRF_TOKEN } from '../db';
import { apiError, validationFailed } from '../responses';

function session(): Session {
  const authenticated = !db.auth.required || db.auth.loggedIn;
  return {
    authRequired: db.auth.required,
    authenticated,
    principal: authenticated ? (db.auth.required ? 'admin' : 'local') : null,
    csrfToken: db.auth.required && db.auth.loggedIn ? FAKE_CSRF_TOKEN : null,
    setupRequired: db.auth.required && db.auth.setupCode !== null,
  };
}

const started = () => HttpResponse.json({ authenticated: true, csrfToken: FAKE_CSRF_TOKEN });

/** The login API as the real one answers it: session, login, first-visit setup, logout. */
export const authHandlers = [
  http.get('/api/auth/session', () => HttpResponse.json(session())),

  http.post('/api/auth/login', async ({ request }) => {
    const parsed = loginInput.safeParse(await request.json());
    if (!parsed.success) return validationFailed(parsed.error.issues);
    if (parsed.data.password !== db.auth.password) {
      return apiError(401, { code: 'unauthorized', message: 'Wrong password', details: [{ field: 'password', message: 'Wrong password' }] });
    }
    db.auth.loggedIn = true;
    return started();
  }),

  http.post('/api/auth/setup', async ({ request }) => {
    const parsed = setupInput.safeParse(await request.json());
    if (!parsed.success) return validationFailed(parsed.error.issues);
    if (parsed.data.setupCode !== db.auth.setupCode) {
      const message = 'Wrong setup code: it is in the server log (and in the terminal running npm start)';
      return apiError(403, { code: 'forbidden', message, details: [{ field: 'setupCode', message }] });
    }
    db.auth = { ...db.auth, password: parsed.data.password, setupCode: null, loggedIn: true };
    return started();
  }),

  http.post('/api/auth/logout', () => {
    db.auth.loggedIn = false;
    return new HttpResponse(null, { status: 204 });
  }),

  // The System page lists API tokens; tests of tokens serve their own (features/system/components/api-tokens-panel.test.tsx).
  http.get('/api/auth/tokens', () => HttpResponse.json({ items: [] })),
];
