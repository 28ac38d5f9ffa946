import { MutationCache, QueryCache, QueryClient, type DefaultOptions } from '@tanstack/react-query';
import { ApiError } from './api-client';

/** Roots of every query key, so that a feature's keys never collide with another's. */
export const queryKeyRoots = {
  auth: 'auth',
  characters: 'characters',
  photos: 'photos',
  trainings: 'trainings',
  loras: 'loras',
  generations: 'generations',
  system: 'system',
  models: 'models',
} as const;

/** A 4xx will not get better by asking again; a network error or a 5xx might. */
function shouldRetry(failureCount: number, error: unknown): boolean {
  if (error instanceof ApiError && error.status >= 400 && error.status < 500) return false;
  return failureCount < 1;
}

export const queryDefaults: DefaultOptions = {
  queries: { staleTime: 60_000, refetchOnWindowFocus: false, retry: shouldRetry },
  mutations: { retry: 0 },
};

/** A 401 means the login session ended (expired, or logged out elsewhere): ask again who we are, to show the login. */
function onError(queryClient: () => QueryClient) {
  return (error: unknown) => {
    if (error instanceof ApiError && error.status === 401) void queryClient().invalidateQueries({ queryKey: [queryKeyRoots.auth] });
  };
}

export function createQueryClient(overrides: DefaultOptions = {}): QueryClient {
  const client: QueryClient = new QueryClient({
    queryCache: new QueryCache({ onError: onError(() => client) }),
    mutationCache: new MutationCache({ onError: onError(() => client) }),
    defaultOptions: {
      queries: { ...queryDefaults.queries, ...overrides.queries },
      mutations: { ...queryDefaults.mutations, ...overrides.mutations },
    },
  });
  return client;
}
