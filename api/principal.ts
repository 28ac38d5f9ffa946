import type { Request } from 'express';

declare module 'express-serve-static-core' {
  interface Request {
    /** Who is calling: the session's user or the API token's name (set by the auth middleware). */
    principal?: string;
  }
}

/** Who a job is submitted by; jobs of different principals share the GPUs fairly. */
export function principalOf(req: Request): string {
  return req.principal ?? 'local';
}
