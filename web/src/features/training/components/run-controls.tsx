import { useState } from 'react';
import { Button } from '../../../components/ui/button';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog';
import { useSaveTrainingNow, useStopTraining } from '../api/control-training';
import type { RunJobState } from '../state/run-state';

interface RunControlsProps {
  runId: string;
  jobState: RunJobState;
  onStopRequested: () => void;
  onStopFailed: () => void;
}

/** Save a checkpoint now (while training) and Stop (with a confirmation), with what each does said in words. */
export function RunControls({ runId, jobState, onStopRequested, onStopFailed }: RunControlsProps) {
  const [confirming, setConfirming] = useState(false);
  const [saveNote, setSaveNote] = useState('');
  const stop = useStopTraining();
  const saveNow = useSaveTrainingNow();
  const training = jobState.kind === 'training';
  const stopping = jobState.kind === 'stopping';

  if (['completed', 'stopped', 'failed', 'registering'].includes(jobState.kind)) return null;

  return (
    <div className="run-controls">
      <div className="actions">
        {training && (
          <Button
            onClick={() =>
              saveNow.mutate(runId, {
                onSuccess: () => setSaveNote('Checkpoint requested: it is saved at the end of the current step and kept for the life of the run, under Checkpoints.'),
              })
            }
            disabled={saveNow.isPending}
          >
            {saveNow.isPending ? 'Asking…' : 'Save checkpoint now'}
          </Button>
        )}
        <Button variant="danger" onClick={() => setConfirming(true)} disabled={stopping}>
          {stopping ? 'Stopping…' : 'Stop training'}
        </Button>
      </div>
      {!training && !stopping && <p className="muted">A checkpoint can be saved once training has started.</p>}
      {stopping && (
        <p className="muted">
          The numbers above stay where they were when Stop was pressed: the steps the engine finishes before it saves do
          not count.
        </p>
      )}
      <p role="status" className="muted">
        {saveNote}
      </p>
      {saveNow.isError && (
        <p role="alert" className="form-error">
          The checkpoint could not be requested. {saveNow.error.message}
        </p>
      )}
      {stop.isError && !confirming && (
        <p role="alert" className="form-error">
          The training could not be stopped. {stop.error.message}
        </p>
      )}
      {confirming && (
        <ConfirmDialog
          title="Stop this training?"
          confirmLabel="Stop training"
          pendingLabel="Stopping…"
          pending={stop.isPending}
          error={stop.error?.message}
          onClose={() => {
            if (!stop.isPending) setConfirming(false);
          }}
          onConfirm={() => {
            onStopRequested();
            stop.mutate(runId, {
              onSuccess: () => setConfirming(false),
              onError: onStopFailed,
            });
          }}
        >
          <p>
            The engine saves a checkpoint at the end of the current step, then stops: this takes a few seconds. That
            checkpoint becomes a model you can generate with; it is less trained than a finished run. You can continue the
            run from it later, as a new version.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}
