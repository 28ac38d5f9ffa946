import { queryOptions, useQuery } from '@tanstack/react-query';
import { isGoodPhoto, PHOTO_LIMITS, photoListSchema, type Photo } from '../../../../lib/contracts/photos';
import { apiRequest } from '../api-client';
import { queryKeyRoots } from '../query-client';

/** A character's photos: managed on the character page, counted before training. */
export const photoKeys = {
  all: [queryKeyRoots.photos] as const,
  ofCharacter: (characterId: string) => [...photoKeys.all, 'character', characterId] as const,
};

export function getPhotos(characterId: string, signal?: AbortSignal) {
  return apiRequest(`/characters/${encodeURIComponent(characterId)}/photos`, photoListSchema, { signal });
}

export function photosQueryOptions(characterId: string) {
  return queryOptions({
    queryKey: photoKeys.ofCharacter(characterId),
    queryFn: ({ signal }) => getPhotos(characterId, signal),
  });
}

export function usePhotos(characterId: string | undefined) {
  return useQuery({ ...photosQueryOptions(characterId ?? ''), enabled: Boolean(characterId) });
}

export interface Readiness {
  good: number;
  /** Photos the checks flagged (no face, blurry, duplicate…): left out of training unless kept anyway. */
  flagged: number;
  /** Photos whose checks have not finished yet. */
  checking: number;
  excluded: number;
  total: number;
  /** How many more good photos reach the recommended minimum; 0 when there are enough. */
  missing: number;
  level: 'none' | 'few' | 'ready' | 'many';
}

/** How ready a character's photos are for training, by the same rule the intake checks use. */
export function photoReadiness(photos: readonly Pick<Photo, 'excluded' | 'checks' | 'keptAnyway' | 'analysis'>[]): Readiness {
  const good = photos.filter(isGoodPhoto).length;
  const excluded = photos.filter((p) => p.excluded).length;
  const checking = photos.filter((p) => !p.excluded && !p.keptAnyway && p.analysis === 'pending').length;
  const { min, max } = PHOTO_LIMITS.recommended;
  return {
    good,
    flagged: photos.length - good - excluded - checking,
    checking,
    excluded,
    total: photos.length,
    missing: Math.max(0, min - good),
    level: good === 0 ? 'none' : good < min ? 'few' : good <= max ? 'ready' : 'many',
  };
}

/** One plain sentence: "14 good photos — ready to train", "6 good photos — add at least 4 more". */
export function readinessSentence(readiness: Readiness): string {
  const { good, missing, level } = readiness;
  const count = `${good} good photo${good === 1 ? '' : 's'}`;
  switch (level) {
    case 'none':
      return `No good photos yet — add at least ${PHOTO_LIMITS.recommended.min}`;
    case 'few':
      return `${count} — add at least ${missing} more`;
    case 'ready':
      return `${count} — ready to train`;
    case 'many':
      return `${count} — ready to train (more than ${PHOTO_LIMITS.recommended.max} rarely helps)`;
  }
}
