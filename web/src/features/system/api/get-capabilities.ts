import { queryOptions, useQuery } from '@tanstack/react-query';
import { capabilitiesSchema } from '../../../../../lib/contracts/capabilities';
import { apiRequest } from '../../../lib/api-client';
import { systemKeys } from './system-keys';

export function getCapabilities(signal?: AbortSignal) {
  return apiRequest('/capabilities', capabilitiesSchema, { signal });
}

export function capabilitiesQueryOptions() {
  return queryOptions({
    queryKey: systemKeys.capabilities(),
    queryFn: ({ signal }) => getCapabilities(signal),
    staleTime: Infinity,
  });
}

export function useCapabilities() {
  return useQuery(capabilitiesQueryOptions());
}
