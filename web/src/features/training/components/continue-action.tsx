import { useState } from 'react';
import type { TrainingRun } from '../../../../../lib/contracts/training';
import { Button } from '../../../components/ui/button';
import { useCheckpoints } from '../api/get-checkpoints';
import type { RunJobState } from '../state/run-state';
import { ContinueDialog } from './continue-dialog';

/** "Continue training" on an ended run that still has a checkpoint to resume (its last one). */
export function ContinueAction({ run, jobState }: { run: TrainingRun; jobState: RunJobState }) {
  const [open, setOpen] = useState(false);
  const ended = jobState.kind === 'completed' || jobState.kind === 'stopped' || jobState.kind === 'failed';
  const checkpoints = useCheckpoints(run.id, run.lastCheckpointStep, run.likeness?.recommended?.step ?? null);
  const last = checkpoints.data?.items.at(-1);
  if (!ended || !last) return null;
  return (
    <div className="actions continue-action">
      <Button onClick={() => setOpen(true)}>Continue training</Button>
      <span className="muted">More steps from its last checkpoint (step {last.step}), as a new version.</span>
      {open && <ContinueDialog run={run} fromStep={last.step} onClose={() => setOpen(false)} />}
    </div>
  );
}
