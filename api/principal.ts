import type { Request } from 'express';

declare module 'express-serve-static-core' {
  interface Request {
    /** Who is calling: the session's user or the API token's name (set by the auth middleware). */
    principal?: string;
    /** How the caller proved it: a browser's login session (cookie), or an API token (set by the auth middleware). */
    credential?: 'session' | 'token';
    /** Why credentials that were sent do not count (an expired API token, say): the 401 says it instead of "Log in first". */
    credentialProblem?: string;
  }
}

/** Who a job is submitted by; jobs of different principals share the GPUs fairly. */
export function principalOf(req: Request): string {
  return req.principal ?? 'local';
}
