import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import type { Character } from '../../../../../lib/contracts/characters';
import { PHOTO_LIMITS } from '../../../../../lib/contracts/photos';
import { PRESET_IDS, PRESETS, type PresetId, type TrainingRun } from '../../../../../lib/contracts/training';
import { Button } from '../../../components/ui/button';
import { paths } from '../../../config/paths';
import { ApiError } from '../../../lib/api-client';
import { photoReadiness, readinessSentence, usePhotos } from '../../../lib/queries/photos';
import { useStartTraining } from '../api/start-training';
import { isRunActive, useTrainingRuns } from '../api/get-training-runs';
import { checkAdvanced, formOf, type TrainingForm } from '../params/training-params';
import { AdvancedSettings } from './advanced-settings';
import { TrainEstimate } from './train-estimate';
import { TrainFewPhotosDialog } from './train-few-photos-dialog';

interface StartTrainingFormProps {
  character: Character;
  onStarted: (run: TrainingRun) => void;
}

/** Pick a preset (Balanced is chosen already), optionally adjust it under Advanced, and start. */
export function StartTrainingForm({ character, onStarted }: StartTrainingFormProps) {
  const [preset, setPreset] = useState<PresetId>('balanced');
  const [overrides, setOverrides] = useState<Partial<TrainingForm>>({});
  const [showErrors, setShowErrors] = useState(false);
  const [confirmingFewPhotos, setConfirmingFewPhotos] = useState(false);
  const photos = usePhotos(character.id);
  const runs = useTrainingRuns(character.id);
  const start = useStartTraining();

  const settings = PRESETS[preset].settings;
  const check = checkAdvanced({ ...formOf(settings), ...overrides }, settings);
  const invalid = Object.keys(check.errors).length > 0;
  const readiness = photos.data ? photoReadiness(photos.data.items) : undefined;
  const active = runs.data?.items.find(isRunActive);
  // No photo marked for training: the API would refuse the run, so it is not asked.
  const noPhotos = readiness !== undefined && readiness.good === 0;
  const fewPhotos = readiness !== undefined && readiness.good > 0 && readiness.good < PHOTO_LIMITS.recommended.min;
  const blocked = Boolean(active) || noPhotos || !readiness;
  const needsConfirmation = (error: unknown) => error instanceof ApiError && error.code === 'confirmation_required';

  function send(confirmFewPhotos: boolean) {
    start.mutate(
      {
        characterId: character.id,
        input: { preset, ...(Object.keys(check.advanced).length > 0 ? { advanced: check.advanced } : {}), ...(confirmFewPhotos ? { confirmFewPhotos } : {}) },
      },
      {
        onSuccess: onStarted,
        // The photos changed since the page read them: the API asks for the confirmation instead.
        onError: (error) => {
          if (needsConfirmation(error)) setConfirmingFewPhotos(true);
        },
      },
    );
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    if (invalid) {
      setShowErrors(true);
      return;
    }
    if (blocked) return;
    if (fewPhotos) {
      start.reset();
      setConfirmingFewPhotos(true);
      return;
    }
    send(false);
  }

  return (
    <>
      <form className="card form" onSubmit={submit} noValidate aria-labelledby="start-training-title">
        <h2 id="start-training-title" className="card-title">
          Train a model of {character.name}
        </h2>
        {readiness && (
          <p className={readiness.level === 'ready' || readiness.level === 'many' ? 'readiness-line readiness-line--ok' : 'readiness-line'}>
            {readinessSentence(readiness)}.{' '}
            <Link to={paths.character(character.id)}>{readiness.total > 0 ? 'Review the photos' : 'Add photos'}</Link>
          </p>
        )}
        <fieldset className="preset-fieldset">
          <legend className="field-label">Preset</legend>
          <div className="preset-options">
            {PRESET_IDS.map((id) => {
              const p = PRESETS[id];
              return (
                <label key={id} className={preset === id ? 'preset-option preset-option--selected' : 'preset-option'}>
                  <input type="radio" name="preset" value={id} checked={preset === id} onChange={() => setPreset(id)} />
                  <span className="preset-title">{p.label}</span>
                  <span className="preset-description">{p.description}</span>
                  <span className="preset-facts muted">
                    {p.settings.steps} steps · {p.settings.resolutions.join('/')} px · rank {p.settings.rank}
                  </span>
                </label>
              );
            })}
          </div>
        </fieldset>
        <TrainEstimate preset={preset} advanced={invalid ? {} : check.advanced} steps={invalid ? settings.steps : { ...settings, ...check.advanced }.steps} />
        <AdvancedSettings preset={preset} overrides={overrides} errors={showErrors || invalid ? check.errors : {}} onChange={setOverrides} />
        {start.isError && !confirmingFewPhotos && !needsConfirmation(start.error) && (
          <p role="alert" className="form-error">
            The training could not start. {start.error.message}
          </p>
        )}
        <div className="actions">
          <Button type="submit" variant="primary" disabled={blocked || start.isPending}>
            {start.isPending ? 'Starting…' : `Start training (${PRESETS[preset].label})`}
          </Button>
          {active && (
            <span className="muted">
              {character.name} is already training. <Link to={paths.training(active.id)}>Follow that training</Link>, or stop it
              to start another.
            </span>
          )}
          {!active && noPhotos && (
            <span className="muted">
              {readiness.checking > 0
                ? `Training needs photos marked for training: ${readiness.checking} are still being checked. `
                : readiness.flagged > 0
                  ? 'Training needs photos marked for training: every photo has a warning (keep some anyway, or add better ones). '
                  : 'Training needs photos. '}
              <Link to={paths.character(character.id)}>{readiness.total > 0 ? `Review the photos of ${character.name}` : `Add photos of ${character.name}`}</Link> first.
            </span>
          )}
          {!blocked && invalid && <span className="form-error">Fix the settings marked under Advanced first.</span>}
        </div>
        {readiness && readiness.level === 'few' && !blocked && (
          <p className="muted">Training works with fewer photos, but 10 or more good ones give a better likeness.</p>
        )}
      </form>
      {confirmingFewPhotos && (
        <TrainFewPhotosDialog
          character={character}
          goodPhotos={readiness?.good ?? 0}
          pending={start.isPending}
          error={start.isError && !needsConfirmation(start.error) ? `The training could not start. ${start.error.message}` : undefined}
          onTrainAnyway={() => send(true)}
          onClose={() => setConfirmingFewPhotos(false)}
        />
      )}
    </>
  );
}
