import { QueryClient, type DefaultOptions } from '@tanstack/react-query';
import { ApiError } from './api-client';

/** Roots of every query key, so that a feature's keys never collide with another's. */
export const queryKeyRoots = {
  characters: 'characters',
  photos: 'photos',
  trainings: 'trainings',
  loras: 'loras',
  generations: 'generations',
  system: 'system',
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

export function createQueryClient(overrides: DefaultOptions = {}): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { ...queryDefaults.queries, ...overrides.queries },
      mutations: { ...queryDefaults.mutations, ...overrides.mutations },
    },
  });
}
