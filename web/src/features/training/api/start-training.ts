import { useMutation, useQueryClient } from '@tanstack/react-query';
import { trainingRunSchema, type StartTrainingInput } from '../../../../../lib/contracts/training';
import { apiRequest } from '../../../lib/api-client';
import { trainingRunQueryOptions } from './get-training-run';
import { trainingRunsQueryOptions } from './get-training-runs';

export function startTraining({ characterId, input }: { characterId: string; input: StartTrainingInput }) {
  return apiRequest(`/characters/${encodeURIComponent(characterId)}/trainings`, trainingRunSchema, { method: 'POST', body: input });
}

export function useStartTraining() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: startTraining,
    onSuccess: (run) => {
      queryClient.setQueryData(trainingRunQueryOptions(run.id).queryKey, run);
      return queryClient.invalidateQueries({ queryKey: trainingRunsQueryOptions(run.characterId).queryKey });
    },
  });
}
