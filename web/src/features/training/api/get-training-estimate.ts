import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import type { AdvancedSettings, PresetId } from '../../../../../lib/contracts/training';
import { trainingEstimateSchema } from '../../../../../lib/contracts/training-estimate';
import { apiRequest } from '../../../lib/api-client';
import { trainingKeys } from './training-keys';

/** The settings that change a run's duration (the others are left to the preset). */
export function estimateParams(preset: PresetId, advanced: AdvancedSettings): URLSearchParams {
  const params = new URLSearchParams({ preset });
  if (advanced.steps !== undefined) params.set('steps', String(advanced.steps));
  if (advanced.sampleEvery !== undefined) params.set('sampleEvery', String(advanced.sampleEvery));
  if (advanced.saveEvery !== undefined) params.set('saveEvery', String(advanced.saveEvery));
  if (advanced.resolutions !== undefined) params.set('resolutions', advanced.resolutions.join(','));
  if (advanced.lowVram !== undefined) params.set('lowVram', String(advanced.lowVram));
  return params;
}

export function getTrainingEstimate(params: URLSearchParams, signal?: AbortSignal) {
  return apiRequest(`/trainings/estimate?${params.toString()}`, trainingEstimateSchema, { signal });
}

export function trainingEstimateQueryOptions(params: URLSearchParams) {
  const query = params.toString();
  return queryOptions({
    queryKey: [...trainingKeys.all, 'estimate', query] as const,
    queryFn: ({ signal }) => getTrainingEstimate(params, signal),
    // A GPU worker may come or go, and a finished run changes the measured speed: read again now and then.
    staleTime: 30_000,
    // While a changed setting is asked about, the last estimate stays (no flicker to "Estimating…").
    placeholderData: keepPreviousData,
  });
}

export function useTrainingEstimate(preset: PresetId, advanced: AdvancedSettings) {
  return useQuery(trainingEstimateQueryOptions(estimateParams(preset, advanced)));
}
