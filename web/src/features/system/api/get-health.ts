import { queryOptions, useQuery } from '@tanstack/react-query';
import { healthSchema } from '../../../../../lib/contracts/health';
import { apiRequest } from '../../../lib/api-client';
import { systemKeys } from './system-keys';

export const HEALTH_REFRESH_MS = 15_000;

/** A 503 still carries the health report (status "down"), so it is an answer, not an error. */
export function getHealth(signal?: AbortSignal) {
  return apiRequest('/health', healthSchema, { signal, acceptStatuses: [503] });
}

export function healthQueryOptions() {
  return queryOptions({
    queryKey: systemKeys.health(),
    queryFn: ({ signal }) => getHealth(signal),
    staleTime: 10_000,
    refetchInterval: HEALTH_REFRESH_MS,
  });
}

export function useHealth() {
  return useQuery(healthQueryOptions());
}
