import { queryOptions, useQuery } from '@tanstack/react-query';
import { selfTestSchema, type SelfTest } from '../../../../../lib/contracts/self-tests';
import { apiRequest } from '../../../lib/api-client';
import { systemKeys } from './system-keys';

export const SELF_TEST_POLL_MS = 1_000;

export const isSelfTestActive = (test: SelfTest | undefined) => test?.status === 'queued' || test?.status === 'running';

export function getSelfTest(id: string, signal?: AbortSignal) {
  return apiRequest(`/self-tests/${encodeURIComponent(id)}`, selfTestSchema, { signal });
}

export function selfTestQueryOptions(id: string) {
  return queryOptions({
    queryKey: systemKeys.selfTest(id),
    queryFn: ({ signal }) => getSelfTest(id, signal),
    staleTime: SELF_TEST_POLL_MS,
    // Poll while the test runs; a finished test never changes again.
    refetchInterval: (query) => (isSelfTestActive(query.state.data) ? SELF_TEST_POLL_MS : false),
  });
}

export function useSelfTest(id: string | undefined) {
  return useQuery({ ...selfTestQueryOptions(id ?? ''), enabled: id !== undefined });
}
