import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useLocation } from 'react-router';
import { BASE_MODELS, type Generation } from '../../../../../lib/contracts/generations';
import { Button } from '../../../components/ui/button';
import { InfoHint } from '../../../components/ui/info-hint';
import { usePersistentState } from '../../../lib/persistent-state';
import { useAllLoras } from '../../../lib/queries/loras';
import { useCheckpointGone } from '../api/get-run-checkpoints';
import { useCreateGeneration } from '../api/mutate-generations';
import { buildInput, checkpointLabel, DEFAULT_SETTINGS, defaultLora, HINTS, parseSettings, type GenerateSettings } from '../params/generation-params';
import { AspectPicker } from './aspect-picker';
import { GenerationAdvanced } from './generation-advanced';
import { findLora, LoraPicker } from './lora-picker';
import { TriggerWordNote } from './trigger-word-note';
import './generation.css';

interface GenerateFormProps {
  /** A LoRA asked for in the address (from "Generate with this"). */
  requestedLoraId?: string;
  onStarted: (generation: Generation) => void;
}

/** What "use these settings" in the gallery passes along with the navigation to this page. */
export interface ReuseState {
  reuse: GenerateSettings;
}

/** The settings a navigation brought ("use these settings"), once per navigation. */
function useReusedSettings(): { key: string; settings: GenerateSettings } | undefined {
  const location = useLocation();
  const state = location.state as Partial<ReuseState> | null;
  const settings = state?.reuse ? parseSettings(state.reuse) : undefined;
  return settings && { key: location.key, settings };
}

const isMac = () => /Mac|iPhone|iPad/.test(globalThis.navigator?.platform ?? '');

/** Prompt, model, shape and count, with the rest under Advanced; the settings are kept between visits. */
export function GenerateForm({ requestedLoraId, onStarted }: GenerateFormProps) {
  const id = useId();
  const [settings, setSettings] = usePersistentState<GenerateSettings>('generate-settings', DEFAULT_SETTINGS, parseSettings);
  const [applied, setApplied] = useState<string | undefined>(undefined);
  const [showErrors, setShowErrors] = useState(false);
  /** The checkpoint the settings named, found gone: said once, until another model or other settings are chosen. */
  const [goneCheckpoint, setGoneCheckpoint] = useState<string | undefined>(undefined);
  const loras = useAllLoras();
  const create = useCreateGeneration();
  const reused = useReusedSettings();
  const form = useRef<HTMLFormElement>(null);
  const checkpoint = settings.loraId === null ? settings.checkpoint : null;
  const checkpointGone = useCheckpointGone(checkpoint);

  if (reused && applied !== reused.key) {
    setApplied(reused.key);
    setSettings(reused.settings);
    setGoneCheckpoint(undefined);
  } else if (!reused && requestedLoraId && applied !== requestedLoraId) {
    setApplied(requestedLoraId);
    setSettings((s) => ({ ...s, loraId: requestedLoraId, checkpoint: null, baseModelOnly: false }));
  } else if (checkpoint && checkpointGone) {
    // The rest of the settings stay; the model falls back as when none is chosen.
    setGoneCheckpoint(checkpointLabel(checkpoint));
    setSettings((s) => ({ ...s, checkpoint: null }));
  }

  const update = (patch: Partial<GenerateSettings>) => setSettings((s) => ({ ...s, ...patch }));
  const lora = checkpoint ? undefined : (findLora(loras.groups, settings.loraId) ?? defaultLora(loras.groups, settings));
  const modelName = lora?.name ?? (checkpoint ? checkpointLabel(checkpoint) : undefined);
  const triggerWord = lora?.triggerWord ?? checkpoint?.triggerWord;
  const baseModel = lora?.baseModel ?? checkpoint?.baseModel ?? settings.baseModel;
  const { input, errors } = buildInput({ ...settings, loraId: lora?.id ?? null }, lora ?? null);
  const shown = showErrors ? errors : {};
  const invalid = Object.keys(errors).length > 0;

  function submit(event: FormEvent) {
    event.preventDefault();
    if (invalid) {
      setShowErrors(true);
      const field = document.querySelector<HTMLElement>('[aria-invalid="true"]');
      field?.focus();
      return;
    }
    setShowErrors(false);
    // Remembered for next time: the character of the LoRA used (its newest LoRA is the default if this one goes).
    if (lora) update({ loraId: lora.id, characterId: lora.characterId });
    create.mutate(input, { onSuccess: onStarted });
  }

  // Ctrl+Enter (Cmd+Enter on a Mac) generates from anywhere in the form, unless a request is on its way.
  const pending = create.isPending;
  useEffect(() => {
    const element = form.current;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== 'Enter' || !(event.ctrlKey || event.metaKey)) return;
      event.preventDefault();
      if (!pending) element?.requestSubmit();
    };
    element?.addEventListener('keydown', onKeyDown);
    return () => element?.removeEventListener('keydown', onKeyDown);
  }, [pending]);

  const promptError = shown.prompt;
  return (
    <form ref={form} className="card form generate-form" onSubmit={submit} noValidate aria-labelledby={`${id}-title`} aria-describedby={`${id}-shortcut`}>
      <h2 id={`${id}-title`} className="card-title">
        Describe the picture
      </h2>
      <LoraPicker
        groups={loras.groups}
        loading={loras.isPending}
        value={lora?.id ?? null}
        checkpoint={checkpoint && modelName}
        strength={settings.loraStrength}
        onChange={(loraId) => {
          setGoneCheckpoint(undefined);
          update({ loraId, checkpoint: null, baseModelOnly: loraId === null, ...(loraId ? { characterId: findLora(loras.groups, loraId)?.characterId ?? null } : {}) });
        }}
        onStrengthChange={(loraStrength) => update({ loraStrength })}
      />
      {goneCheckpoint && (
        <p role="status" className="warning-box">
          The checkpoint this picture was made with ({goneCheckpoint}) no longer exists: a training keeps only its newest few, and a
          deleted run none. The rest of its settings are filled in{lora ? `, with ${lora.name} instead` : ''}; choose the trained model to
          use above.
        </p>
      )}
      {shown.loraStrength && <p className="field-error">{shown.loraStrength}</p>}
      <div className={promptError ? 'field field--invalid' : 'field'}>
        <label htmlFor={`${id}-prompt`} className="field-label">
          Prompt
        </label>
        <textarea
          id={`${id}-prompt`}
          rows={4}
          maxLength={2000}
          value={settings.prompt}
          placeholder={triggerWord ? `${triggerWord} reading a book in a sunny café, photo` : 'a lighthouse on a cliff at sunset, photo'}
          aria-invalid={promptError ? true : undefined}
          aria-describedby={[promptError ? `${id}-prompt-error` : null, `${id}-trigger`].filter(Boolean).join(' ')}
          onChange={(e) => update({ prompt: e.target.value })}
        />
        {promptError && (
          <p id={`${id}-prompt-error`} className="field-error">
            {promptError}
          </p>
        )}
        <TriggerWordNote id={`${id}-trigger`} prompt={settings.prompt} triggerWord={triggerWord} />
      </div>
      <AspectPicker
        value={settings.aspect}
        disabled={settings.customSize !== null}
        disabledReason={settings.customSize ? 'A custom size is set under Advanced; untick it there to choose a shape.' : undefined}
        onChange={(aspect) => update({ aspect })}
      />
      <div className="field batch-field">
        <span className="param-label-row">
          <label htmlFor={`${id}-batch`} className="field-label">
            Number of pictures
          </label>
          <InfoHint label="Number of pictures">{HINTS.batch}</InfoHint>
        </span>
        <select id={`${id}-batch`} value={settings.batch} onChange={(e) => update({ batch: Number(e.target.value) })}>
          {[1, 2, 3, 4, 5, 6, 7, 8].map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </div>
      <GenerationAdvanced settings={settings} baseModel={baseModel} loraName={modelName} errors={shown} onChange={update} />
      {create.isError && (
        <p role="alert" className="form-error">
          The pictures could not be started. {create.error.message}
        </p>
      )}
      {showErrors && invalid && (
        <p role="alert" className="form-error">
          Some settings need a fix: {Object.values(errors).join(' · ')}
        </p>
      )}
      <div className="actions">
        <Button type="submit" variant="primary" disabled={create.isPending}>
          {create.isPending ? 'Starting…' : settings.batch === 1 ? 'Generate' : `Generate ${settings.batch} pictures`}
        </Button>
        <span className="muted">
          {BASE_MODELS[baseModel].label}
          {modelName ? ` with ${modelName}` : ''}
        </span>
        <span id={`${id}-shortcut`} className="muted generate-shortcut">
          <kbd>{isMac() ? '⌘' : 'Ctrl'}</kbd>+<kbd>Enter</kbd> generates
        </span>
      </div>
    </form>
  );
}
