import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  captionJobSchema,
  captionsChangedSchema,
  currentCaptionJobSchema,
  type CaptionJob,
  type CaptionStyle,
  type ReplaceInCaptionsInput,
} from '../../../../../lib/contracts/captions';
import { apiRequest } from '../../../lib/api-client';
import { photoKeys } from '../../../lib/queries/photos';
import { queryKeyRoots } from '../../../lib/query-client';

/** While captions are being written, their progress is read this often. */
const PROGRESS_POLL_MS = 1000;

const characterPath = (characterId: string) => `/characters/${encodeURIComponent(characterId)}`;

export const captionJobKeys = {
  latest: (characterId: string) => [queryKeyRoots.photos, 'caption-job', characterId] as const,
};

export const isActiveCaptionJob = (job: CaptionJob | null | undefined) => job?.status === 'queued' || job?.status === 'running';

export function latestCaptionJobOptions(characterId: string) {
  return queryOptions({
    queryKey: captionJobKeys.latest(characterId),
    queryFn: ({ signal }) => apiRequest(`${characterPath(characterId)}/caption-jobs/latest`, currentCaptionJobSchema, { signal }),
  });
}

/** The character's newest caption job, read again every moment while it runs. */
export function useLatestCaptionJob(characterId: string) {
  return useQuery({
    ...latestCaptionJobOptions(characterId),
    refetchInterval: (query) => (isActiveCaptionJob(query.state.data?.job) ? PROGRESS_POLL_MS : false),
  });
}

export function useStartCaptions(characterId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: { style: CaptionStyle; photoIds?: string[] }) =>
      apiRequest(`${characterPath(characterId)}/captions`, captionJobSchema, { method: 'POST', body: input }),
    onSuccess: (job) => queryClient.setQueryData(captionJobKeys.latest(characterId), { job }),
  });
}

export function useCancelCaptions(characterId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (jobId: string) => apiRequest(`/caption-jobs/${encodeURIComponent(jobId)}/cancel`, captionJobSchema, { method: 'POST' }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: captionJobKeys.latest(characterId) }),
  });
}

/** The bulk edits answer how many captions changed; the photos are read again after them. */
function useBulkCaptionEdit<I>(characterId: string, path: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: I) => apiRequest(`${characterPath(characterId)}/captions/${path}`, captionsChangedSchema, { method: 'POST', body: input }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: photoKeys.ofCharacter(characterId) }),
  });
}

export const useApplyCaptionToAll = (characterId: string) => useBulkCaptionEdit<{ caption: string }>(characterId, 'apply-all');
export const useReplaceInCaptions = (characterId: string) => useBulkCaptionEdit<ReplaceInCaptionsInput>(characterId, 'replace');
