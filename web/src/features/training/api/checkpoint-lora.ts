import { useMutation, useQueryClient } from '@tanstack/react-query';
import { loraSchema } from '../../../../../lib/contracts/loras';
import type { Checkpoint } from '../../../../../lib/contracts/training';
import { apiRequest } from '../../../lib/api-client';
import { loraKeys } from '../../../lib/queries/loras';
import { trainingRunQueryOptions } from './get-training-run';
import { trainingKeys } from './training-keys';

/** How the API names a checkpoint in its address: its step, or "final" for the engine's final file. */
export const checkpointName = (checkpoint: Pick<Checkpoint, 'step' | 'final'>) => (checkpoint.final ? 'final' : String(checkpoint.step));

/** Turns a checkpoint into a LoRA of the run's character: 201 when made, 200 when it already was one. */
export interface CheckpointToLoraInput {
  runId: string;
  /** The run's character: its list of LoRAs gains one. */
  characterId: string;
  checkpoint: Pick<Checkpoint, 'step' | 'final'>;
}

export function checkpointToLora({ runId, checkpoint }: CheckpointToLoraInput) {
  return apiRequest(
    `/trainings/${encodeURIComponent(runId)}/checkpoints/${encodeURIComponent(checkpointName(checkpoint))}/lora`,
    loraSchema,
    { method: 'POST' },
  );
}

export function useCheckpointToLora() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: checkpointToLora,
    // The checkpoint now has its LoRA, the character one more LoRA, and the run's timeline a new line.
    onSuccess: (_lora, { runId, characterId }) =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: trainingKeys.checkpoints(runId) }),
        queryClient.invalidateQueries({ queryKey: loraKeys.ofCharacter(characterId) }),
        queryClient.invalidateQueries({ queryKey: trainingRunQueryOptions(runId).queryKey }),
      ]),
  });
}
