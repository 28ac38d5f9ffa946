import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  sessionSchema,
  sessionStartedSchema,
  type LoginInput,
  type Session,
  type SetupInput,
} from '../../../../../lib/contracts/auth';
import { ApiError, apiRequest, apiSend } from '../../../lib/api-client';
import { setCsrfToken } from '../../../lib/csrf';
import { queryKeyRoots } from '../../../lib/query-client';

export const sessionKey = [queryKeyRoots.auth, 'session'] as const;

export async function getSession(signal?: AbortSignal): Promise<Session> {
  const session = await apiRequest('/auth/session', sessionSchema, { signal });
  setCsrfToken(session.csrfToken);
  return session;
}

export function sessionQueryOptions() {
  return queryOptions({ queryKey: sessionKey, queryFn: ({ signal }) => getSession(signal), staleTime: Infinity });
}

export function useSession() {
  return useQuery(sessionQueryOptions());
}

/** After login, setup or logout every cached answer belonged to the previous visitor: start afresh. */
function useRestart() {
  const queryClient = useQueryClient();
  return async (csrfToken: string | null) => {
    setCsrfToken(csrfToken);
    queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== queryKeyRoots.auth });
    await queryClient.invalidateQueries({ queryKey: sessionKey });
  };
}

export function useLogin() {
  const restart = useRestart();
  return useMutation({
    mutationFn: (input: LoginInput) => apiRequest('/auth/login', sessionStartedSchema, { method: 'POST', body: input }),
    onSuccess: (started) => restart(started.csrfToken),
  });
}

/** The setup answered 409: someone chose the password first (or it came from the environment meanwhile). */
export function isAlreadySetUp(error: unknown): error is ApiError {
  return error instanceof ApiError && error.status === 409;
}

export function useSetup() {
  const restart = useRestart();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: SetupInput) => apiRequest('/auth/setup', sessionStartedSchema, { method: 'POST', body: input }),
    onSuccess: (started) => restart(started.csrfToken),
    // Set up by someone else: the session now says so, and the gate shows the login instead.
    onError: (error) => (isAlreadySetUp(error) ? queryClient.invalidateQueries({ queryKey: sessionKey }) : undefined),
  });
}

/** Logging out is a change like any other: it carries the session's CSRF token (`apiSend` adds it to every POST). */
export function useLogout() {
  const restart = useRestart();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => apiSend('/auth/logout', { method: 'POST' }),
    onSuccess: () => restart(null),
    // Refused (a token gone stale in another tab, a session already over): ask the server where things stand.
    onError: () => queryClient.invalidateQueries({ queryKey: sessionKey }),
  });
}
