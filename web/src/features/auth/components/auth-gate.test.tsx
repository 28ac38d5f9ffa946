import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { db, FAKE_CSRF_TOKEN } from '../../../testing/msw/db';
import { apiError } from '../../../testing/msw/responses';
import { server } from '../../../testing/msw/server';
import { renderApp } from '../../../testing/test-utils';

describe('Login', () => {
  it('asks for nothing on an instance that only listens on this computer', async () => {
    renderApp('/characters');
    await screen.findByRole('heading', { level: 1, name: 'Characters' });
    expect(screen.queryByRole('button', { name: 'Log out' })).toBeNull();
  });

  it('asks for the password, explains a wrong one, then opens the pages and sends the CSRF token with changes', async () => {
    db.auth = { required: true, password: 'correct horse battery', setupCode: null, loggedIn: false };
    const user = userEvent.setup();
    renderApp('/characters');

    await screen.findByRole('heading', { level: 1, name: 'Log in' });
    expect(screen.queryByRole('navigation', { name: 'Main' })).toBeNull();
    const password = screen.getByLabelText('Password');
    await user.type(password, 'wrong guess{Enter}');
    expect(await screen.findByText('Wrong password')).toBeTruthy();
    expect(password.getAttribute('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe(password);

    await user.type(password, 'correct horse battery{Enter}');
    await screen.findByRole('heading', { level: 1, name: 'Characters' });
    await user.type(screen.getByLabelText('Name'), 'Someone{Enter}');
    await screen.findByText(/Created Someone/);
    expect(db.csrfTokens.at(-1)).toBe(FAKE_CSRF_TOKEN);

    await user.click(screen.getByRole('button', { name: 'Log out' }));
    await screen.findByRole('heading', { level: 1, name: 'Log in' });
  });

  it('lets the first visitor choose the password with the setup code from the server log', async () => {
    db.auth = { required: true, password: null, setupCode: 'code-from-the-log', loggedIn: false };
    const user = userEvent.setup();
    renderApp('/gallery');

    await screen.findByRole('heading', { level: 1, name: 'Choose the admin password' });
    await user.type(screen.getByLabelText('Setup code'), 'a guess');
    await user.type(screen.getByLabelText('New admin password'), 'a long enough password');
    await user.type(screen.getByLabelText('The same password again'), 'a different password');
    await user.click(screen.getByRole('button', { name: 'Set the password and continue' }));
    expect(await screen.findByText('The two passwords differ: type the same one twice')).toBeTruthy();

    await user.clear(screen.getByLabelText('The same password again'));
    await user.type(screen.getByLabelText('The same password again'), 'a long enough password');
    await user.click(screen.getByRole('button', { name: 'Set the password and continue' }));
    expect(await screen.findByText(/Wrong setup code: it is in the server log/)).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByLabelText('Setup code'));

    await user.clear(screen.getByLabelText('Setup code'));
    await user.type(screen.getByLabelText('Setup code'), 'code-from-the-log');
    await user.click(screen.getByRole('button', { name: 'Set the password and continue' }));
    await screen.findByRole('heading', { level: 1, name: 'Gallery' });
    expect(db.auth.password).toBe('a long enough password');
  });

  it('logs out with the CSRF token, as every change (the API refuses a logout without it)', async () => {
    db.auth = { required: true, password: 'correct horse battery', setupCode: null, loggedIn: true };
    const logouts: Array<string | null> = [];
    server.use(
      http.post('/api/auth/logout', ({ request }) => {
        const token = request.headers.get('X-CSRF-Token');
        logouts.push(token);
        if (token !== FAKE_CSRF_TOKEN) {
          return apiError(403, { code: 'forbidden', message: "This request lacks the page's security token: reload the page and try again" });
        }
        db.auth.loggedIn = false;
        return new HttpResponse(null, { status: 204 });
      }),
    );
    const user = userEvent.setup();
    renderApp('/characters');
    await screen.findByRole('heading', { level: 1, name: 'Characters' });
    await user.click(screen.getByRole('button', { name: 'Log out' }));
    await screen.findByRole('heading', { level: 1, name: 'Log in' });
    expect(logouts).toEqual([FAKE_CSRF_TOKEN]);
  });

  it('turns to the login, saying why, when someone else chose the password first', async () => {
    db.auth = { required: true, password: null, setupCode: 'code-from-the-log', loggedIn: false };
    const message = 'Isengard is already set up: log in with the password chosen then';
    server.use(
      http.post('/api/auth/setup', () => {
        // The other setup won a moment ago.
        db.auth = { ...db.auth, password: 'the other person’s password', setupCode: null };
        return apiError(409, { code: 'conflict', message });
      }),
    );
    const user = userEvent.setup();
    renderApp('/gallery');
    await screen.findByRole('heading', { level: 1, name: 'Choose the admin password' });
    await user.type(screen.getByLabelText('Setup code'), 'code-from-the-log');
    await user.type(screen.getByLabelText('New admin password'), 'a long enough password');
    await user.type(screen.getByLabelText('The same password again'), 'a long enough password');
    await user.click(screen.getByRole('button', { name: 'Set the password and continue' }));

    await screen.findByRole('heading', { level: 1, name: 'Log in' });
    expect(screen.getByRole('alert').textContent).toBe(message);
    await user.type(screen.getByLabelText('Password'), 'the other person’s password{Enter}');
    await screen.findByRole('heading', { level: 1, name: 'Gallery' });
  });

  it('comes back to the login when the session ends while the pages are open', async () => {
    db.auth = { required: true, password: 'correct horse battery', setupCode: null, loggedIn: true };
    const user = userEvent.setup();
    renderApp('/characters');
    await screen.findByRole('heading', { level: 1, name: 'Characters' });

    // The session expired on the server: the next change is refused.
    db.auth.loggedIn = false;
    server.use(http.post('/api/characters', () => apiError(401, { code: 'unauthorized', message: 'Log in first' })));
    await user.type(screen.getByLabelText('Name'), 'Someone{Enter}');
    await screen.findByRole('heading', { level: 1, name: 'Log in' });
  });
});
