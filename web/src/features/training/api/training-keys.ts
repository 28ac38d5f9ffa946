import { queryKeyRoots } from '../../../lib/query-client';

export const trainingKeys = {
  all: [queryKeyRoots.trainings] as const,
  ofCharacter: (characterId: string) => [...trainingKeys.all, 'character', characterId] as const,
  detail: (id: string) => [...trainingKeys.all, 'detail', id] as const,
  checkpoints: (id: string) => [...trainingKeys.all, 'checkpoints', id] as const,
};
