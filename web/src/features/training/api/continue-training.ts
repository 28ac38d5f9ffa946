import { useMutation, useQueryClient } from '@tanstack/react-query';
import { trainingRunSchema, type ContinueTrainingInput } from '../../../../../lib/contracts/training';
import { apiRequest } from '../../../lib/api-client';
import { trainingRunQueryOptions } from './get-training-run';
import { trainingRunsQueryOptions } from './get-training-runs';

/** Continues an ended run for more steps as a new run (the character's next version), from its last checkpoint. */
export function continueTraining({ runId, input }: { runId: string; input: ContinueTrainingInput }) {
  return apiRequest(`/trainings/${encodeURIComponent(runId)}/continue`, trainingRunSchema, { method: 'POST', body: input });
}

export function useContinueTraining() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: continueTraining,
    onSuccess: (run) => {
      queryClient.setQueryData(trainingRunQueryOptions(run.id).queryKey, run);
      return queryClient.invalidateQueries({ queryKey: trainingRunsQueryOptions(run.characterId).queryKey });
    },
  });
}
