import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useReducer } from 'react';
import { trainingRunSchema, type TrainingRun } from '../../../../../lib/contracts/training';
import { useEventStream } from '../../../lib/events/use-event-stream';
import { loraKeys } from '../../../lib/queries/loras';
import { useTrainingRun, trainingRunQueryOptions } from '../api/get-training-run';
import { isRunActive, trainingRunsQueryOptions } from '../api/get-training-runs';
import { trainingKeys } from '../api/training-keys';
import { displayedState, initialRunView, reduceRunView } from '../state/run-state';

/**
 * A training run kept live: fetched once (so a reload shows it at once), then followed over server-sent events
 * while it is active. Returns the reducer's state and what the page shows.
 */
export function useLiveTrainingRun(id: string) {
  const queryClient = useQueryClient();
  const query = useTrainingRun(id);
  const [state, dispatch] = useReducer(reduceRunView, initialRunView);

  // A new answer from the API: hand it to the reducer (during render, so nothing stale is ever painted).
  if (query.data && query.data !== state.fetched) dispatch({ type: 'fetched', run: query.data });

  const run = state.run;
  const live = run ? isRunActive(run) : false;

  const onMessage = useCallback(
    (next: TrainingRun) => {
      dispatch({ type: 'streamed', run: next });
      // Kept in the cache too, so coming back to this page starts from the newest state.
      queryClient.setQueryData(trainingRunQueryOptions(id).queryKey, next);
      if (!isRunActive(next)) {
        // Finished: the run's history, its LoRA and its checkpoints have changed.
        void queryClient.invalidateQueries({ queryKey: trainingRunsQueryOptions(next.characterId).queryKey });
        void queryClient.invalidateQueries({ queryKey: loraKeys.ofCharacter(next.characterId) });
        void queryClient.invalidateQueries({ queryKey: trainingKeys.checkpoints(id) });
      }
    },
    [id, queryClient],
  );

  useEventStream({
    path: live ? `/trainings/${encodeURIComponent(id)}/events` : null,
    event: 'training',
    schema: trainingRunSchema,
    onMessage,
    onStatus: (status) => dispatch({ type: 'connectionChanged', status }),
  });

  return {
    query,
    state,
    run,
    jobState: displayedState(state),
    stopRequested: () => dispatch({ type: 'stopRequested' }),
    stopFailed: () => dispatch({ type: 'stopFailed' }),
  };
}
