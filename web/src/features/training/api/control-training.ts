import { useMutation, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { trainingRunSchema } from '../../../../../lib/contracts/training';
import { apiRequest } from '../../../lib/api-client';
import { trainingRunQueryOptions } from './get-training-run';

export function stopTraining(id: string) {
  return apiRequest(`/trainings/${encodeURIComponent(id)}/stop`, trainingRunSchema, { method: 'POST' });
}

const requestedSchema = z.object({ requested: z.boolean() });

export function saveTrainingNow(id: string) {
  return apiRequest(`/trainings/${encodeURIComponent(id)}/save-now`, requestedSchema, { method: 'POST' });
}

export function useStopTraining() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: stopTraining,
    onSuccess: (run) => queryClient.setQueryData(trainingRunQueryOptions(run.id).queryKey, run),
  });
}

export function useSaveTrainingNow() {
  return useMutation({ mutationFn: saveTrainingNow });
}
