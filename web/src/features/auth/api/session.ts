import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  sessionSchema,
  sessionStartedSchema,
  type LoginInput,
  type Session,
  type SetupInput,
} from '../../../../../lib/contracts/auth';
import { apiRequest, apiSend } from '../../../lib/api-client';
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

export function useSetup() {
  const restart = useRestart();
  return useMutation({
    mutationFn: (input: SetupInput) => apiRequest('/auth/setup', sessionStartedSchema, { method: 'POST', body: input }),
    onSuccess: (started) => restart(started.csrfToken),
  });
}

export function useLogout() {
  const restart = useRestart();
  return useMutation({
    mutationFn: () => apiSend('/auth/logout', { method: 'POST' }),
    onSuccess: () => restart(null),
  });
}
