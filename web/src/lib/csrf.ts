export const CSRF_HEADER = 'X-CSRF-Token';

let token: string | null = null;

/** Remembers the CSRF token of the current login session (from /api/auth/session, login or setup). */
export function setCsrfToken(value: string | null): void {
  token = value;
}

/** The header every change (POST, PATCH, DELETE) carries when a login session is open. */
export function csrfHeaders(): Record<string, string> {
  return token ? { [CSRF_HEADER]: token } : {};
}
