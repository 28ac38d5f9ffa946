import { useId, useLayoutEffect, useRef, useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import {
  CONTINUE_FIXED_REASONS,
  continuedSettings,
  continueTrainingInput,
  takesLearningRate,
  type TrainingRun,
} from '../../../../../lib/contracts/training';
import { Button } from '../../../components/ui/button';
import { Field } from '../../../components/ui/field';
import { paths } from '../../../config/paths';
import { useContinueTraining } from '../api/continue-training';

interface ContinueDialogProps {
  run: TrainingRun;
  /** The step of the run's last checkpoint: where the continuation starts. */
  fromStep: number;
  onClose: () => void;
}

type Draft = { additionalSteps: string; learningRate: string; saveEvery: string; sampleEvery: string };
type DraftErrors = Partial<Record<keyof Draft | 'form', string>>;

/** What the dialog's fields say, checked with the API's own contract (numbers as typed; blanks left out). */
function check(run: TrainingRun, fromStep: number, draft: Draft) {
  const number = (text: string) => (text.trim() === '' ? undefined : Number(text));
  const settings = {
    ...(takesLearningRate(run.settings.optimizer) ? { learningRate: number(draft.learningRate) } : {}),
    saveEvery: number(draft.saveEvery),
    sampleEvery: number(draft.sampleEvery),
  };
  const parsed = continueTrainingInput.safeParse({ additionalSteps: number(draft.additionalSteps), settings });
  if (!parsed.success) {
    const errors: DraftErrors = {};
    for (const issue of parsed.error.issues) {
      const key = (issue.path.at(-1) === 'additionalSteps' ? 'additionalSteps' : issue.path.at(-1)) as keyof Draft;
      errors[key] ??= issue.message;
    }
    return { errors };
  }
  try {
    continuedSettings(run.settings, fromStep, parsed.data);
  } catch (err) {
    return { errors: { additionalSteps: (err as Error).message } };
  }
  return { input: parsed.data };
}

/**
 * "Continue training": the run's settings, those a resume can change editable and the others shown with why they
 * stay; steps to add; Start makes a new run (the next version) from the last checkpoint and opens it.
 */
export function ContinueDialog({ run, fromStep, onClose }: ContinueDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  const navigate = useNavigate();
  const start = useContinueTraining();
  const s = run.settings;
  const [draft, setDraft] = useState<Draft>({
    additionalSteps: String(Math.min(1000, 10_000 - fromStep)),
    learningRate: String(s.learningRate),
    saveEvery: String(s.saveEvery),
    sampleEvery: String(s.sampleEvery),
  });
  const [errors, setErrors] = useState<DraftErrors>({});

  useLayoutEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => {
      if (dialog?.open) dialog.close();
    };
  }, []);

  const added = Number(draft.additionalSteps);
  const endStep = Number.isInteger(added) && added > 0 ? fromStep + added : null;
  const close = () => {
    if (!start.isPending) onClose();
  };

  function submit(event: FormEvent) {
    event.preventDefault();
    const checked = check(run, fromStep, draft);
    setErrors(checked.errors ?? {});
    if (!checked.input) return;
    start.mutate(
      { runId: run.id, input: checked.input },
      { onSuccess: (next) => void navigate(paths.training(next.id)) },
    );
  }

  const field = (key: keyof Draft, label: string, hint: string, step = '1') => (
    <Field label={label} hint={hint} error={errors[key]}>
      {(control) => (
        <input
          {...control}
          type="number"
          step={step}
          value={draft[key]}
          disabled={start.isPending}
          onChange={(e) => setDraft({ ...draft, [key]: e.target.value })}
        />
      )}
    </Field>
  );

  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={`${id}-title`}
      onCancel={(event) => {
        event.preventDefault();
        close();
      }}
      onClose={() => {
        if (!ref.current?.open) onClose();
      }}
    >
      <form onSubmit={submit} noValidate>
        <h2 id={`${id}-title`} className="dialog-title">
          Continue training
        </h2>
        <div className="dialog-body">
          <p>
            A new run picks up this one’s last checkpoint, at step {fromStep}, and trains on from there
            {endStep !== null ? ` to step ${endStep}` : ''}. It becomes the character’s next model version; this run and its
            models stay as they are.
          </p>
          {field('additionalSteps', 'Steps to add', `Counted from step ${fromStep}. At most 10000 steps in all.`)}
          {takesLearningRate(s.optimizer)
            ? field('learningRate', 'Learning rate', 'The optimizer goes on from its saved state at this rate.', 'any')
            : null}
          {field('saveEvery', 'Save a checkpoint every', 'Steps between checkpoints.')}
          {field('sampleEvery', 'Make samples every', 'Steps between sample pictures (their likeness is measured).')}
          <h3 className="dialog-subtitle">Kept as this run trained</h3>
          <dl className="result-list" aria-label="Settings kept as this run trained">
            <dt>Rank</dt>
            <dd>
              {s.rank} <span className="muted">— {CONTINUE_FIXED_REASONS.rank}</span>
            </dd>
            <dt>Optimizer</dt>
            <dd>
              {s.optimizer}
              {takesLearningRate(s.optimizer) ? '' : ' (finds its own learning rate)'} <span className="muted">— {CONTINUE_FIXED_REASONS.optimizer}</span>
            </dd>
            <dt>Image sizes</dt>
            <dd>
              {s.resolutions.join(', ')} px <span className="muted">— {CONTINUE_FIXED_REASONS.resolutions}</span>
            </dd>
            <dt>Quantized model</dt>
            <dd>
              {s.quantize ? 'yes' : 'no'}
              {s.lowVram ? ', low VRAM' : ''} <span className="muted">— {CONTINUE_FIXED_REASONS.quantize}</span>
            </dd>
            <dt>Sample prompts</dt>
            <dd>
              {s.samplePrompts.length} <span className="muted">— {CONTINUE_FIXED_REASONS.samplePrompts}</span>
            </dd>
          </dl>
        </div>
        {start.isError && (
          <p role="alert" className="form-error">
            The training could not be continued. {start.error.message}
          </p>
        )}
        <div className="dialog-actions">
          <Button onClick={close} disabled={start.isPending}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" disabled={start.isPending}>
            {start.isPending ? 'Starting…' : 'Start'}
          </Button>
        </div>
      </form>
    </dialog>
  );
}
