import { useState } from 'react';
import type { Checkpoint } from '../../../../../lib/contracts/training';
import { Badge } from '../../../components/ui/badge';
import { Button } from '../../../components/ui/button';
import { Field } from '../../../components/ui/field';
import { formatDateTime } from '../../../lib/format';
import { useCharacter, useCharacters } from '../../../lib/queries/characters';
import { useLoras } from '../../../lib/queries/loras';
import {
  cancelGeneration,
  isActive,
  startGeneration,
  useGridGenerations,
  useKeepAsVersion,
  useRefreshGallery,
  useRun,
  useRunCheckpoints,
  useRuns,
} from '../api/compare-api';
import {
  checkpointKey,
  checkpointLabel,
  DEFAULT_SEED_COUNT,
  DEFAULT_STRENGTHS,
  MAX_CHECKPOINT_COLUMNS,
  MAX_PROMPTS,
  planGrid,
  type ChoiceErrors,
  type GridChoices,
  type GridMode,
} from '../plan/grid-plan';
import { CompareGrid, type StartedGrid } from './compare-grid';

export interface CompareViewProps {
  /** From the character page: its runs to choose from. */
  characterId?: string;
  /** From a run's page: that run, chosen. */
  runId?: string;
  /** How often the grid's generations are read again while they are made (tests make it short). */
  pollMs?: number;
}

const initialChoices = (characterId: string, runId: string): GridChoices => ({
  mode: 'checkpoints',
  characterId,
  runId,
  columns: [],
  prompts: ['', '', '', ''],
  seed: String(Math.floor(Math.random() * 1_000_000)),
  strength: '1',
  checkpoint: '',
  strengths: DEFAULT_STRENGTHS,
  seedCount: DEFAULT_SEED_COUNT,
});

/** The newest checkpoints, at most as many as a grid has columns: the default choice of columns. */
const defaultColumns = (checkpoints: Checkpoint[]) => checkpoints.slice(-MAX_CHECKPOINT_COLUMNS).map(checkpointKey);

/**
 * The comparison page: pick a run, then "checkpoints × prompts" or "strengths × seeds"; one click starts every
 * generation of the grid, and each cell fills in with its picture and, once scored, its likeness.
 */
export function CompareView({ characterId: givenCharacter, runId: givenRun, pollMs = 1_500 }: CompareViewProps) {
  const givenRunQuery = useRun(givenRun);
  const [pickedCharacter, setPickedCharacter] = useState('');
  const characterId = givenCharacter ?? givenRunQuery.data?.characterId ?? pickedCharacter;
  const [choices, setChoices] = useState<GridChoices>(() => initialChoices(characterId, givenRun ?? ''));
  const [columnsTouched, setColumnsTouched] = useState(false);
  const [errors, setErrors] = useState<ChoiceErrors>({});
  const [grid, setGrid] = useState<StartedGrid | null>(null);
  const [starting, setStarting] = useState(false);

  const characters = useCharacters();
  const character = useCharacter(characterId, { enabled: Boolean(characterId) });
  const runs = useRuns(characterId || undefined);
  const runId = choices.runId;
  const checkpointsQuery = useRunCheckpoints(runId || undefined);
  const checkpoints = checkpointsQuery.data?.items ?? [];
  const loras = useLoras(characterId || undefined);
  const keep = useKeepAsVersion();
  const refreshGallery = useRefreshGallery();
  const ids = grid ? Object.values(grid.ids) : [];
  const generations = useGridGenerations(ids, pollMs);

  const effective: GridChoices = {
    ...choices,
    characterId,
    columns: columnsTouched ? choices.columns : defaultColumns(checkpoints),
    checkpoint: choices.checkpoint || (checkpoints.at(-1) ? checkpointKey(checkpoints.at(-1)!) : ''),
  };
  const set = (patch: Partial<GridChoices>) => setChoices((c) => ({ ...c, ...patch }));
  const active = [...generations.values()].filter(isActive);

  async function build() {
    const planned = planGrid(effective, checkpoints);
    if ('errors' in planned) {
      setErrors(planned.errors);
      return;
    }
    setErrors({});
    setStarting(true);
    const { plan } = planned;
    const answers = await Promise.allSettled(plan.requests.map((r) => startGeneration(r.input)));
    const started: StartedGrid = { plan, ids: {}, refused: {} };
    answers.forEach((answer, i) => {
      const key = plan.requests[i]!.key;
      if (answer.status === 'fulfilled') started.ids[key] = answer.value.id;
      else started.refused[key] = (answer.reason as Error).message;
    });
    await refreshGallery(answers.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : [])));
    setGrid(started);
    setStarting(false);
  }

  async function cancelAll() {
    await Promise.allSettled(active.map((g) => cancelGeneration(g.id)));
    await refreshGallery([]);
  }

  const versionName = (loraId: string) => loras.data?.items.find((l) => l.id === loraId)?.name ?? 'a version';
  function renderKeep(snapshot: Checkpoint) {
    const c = checkpoints.find((x) => checkpointKey(x) === checkpointKey(snapshot)) ?? snapshot;
    if (c.loraId) return <Badge tone="success">Version: {versionName(c.loraId)}</Badge>;
    const which = checkpointKey(c);
    const pending = keep.isPending && keep.variables.which === which;
    return (
      <Button variant="quiet" disabled={keep.isPending} onClick={() => keep.mutate({ runId: grid?.plan.runId ?? runId, characterId, which })}>
        {pending ? 'Keeping…' : 'Keep as a version'}
        <span className="visually-hidden"> ({checkpointLabel(c).toLowerCase()})</span>
      </Button>
    );
  }

  const runList = runs.data?.items ?? [];
  return (
    <div className="compare">
      <form
        className="card compare-form"
        aria-label="Build a comparison grid"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void build();
        }}
      >
        {!givenCharacter && !givenRun && (
          <Field label="Character">
            {(control) => (
              <select {...control} value={pickedCharacter} onChange={(e) => (setPickedCharacter(e.target.value), set({ runId: '' }))}>
                <option value="">Choose a character</option>
                {characters.data?.items.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
        <Field label={`Training run${character.data ? ` of ${character.data.name}` : ''}`} error={errors.run}>
          {(control) => (
            <select {...control} value={runId} onChange={(e) => (set({ runId: e.target.value, checkpoint: '' }), setColumnsTouched(false))}>
              <option value="">Choose a run</option>
              {runList.map((r) => (
                <option key={r.id} value={r.id}>
                  {formatDateTime(r.createdAt)} · {r.totalSteps} steps · {r.status}
                </option>
              ))}
            </select>
          )}
        </Field>

        <fieldset className="field">
          <legend className="field-label">Compare</legend>
          {(
            [
              ['checkpoints', 'Checkpoints × prompts'],
              ['strengths', 'Strengths × seeds'],
            ] as Array<[GridMode, string]>
          ).map(([mode, label]) => (
            <label key={mode} className="choice">
              <input type="radio" name="compare-mode" value={mode} checked={choices.mode === mode} onChange={() => set({ mode })} /> {label}
            </label>
          ))}
        </fieldset>

        {runId && checkpointsQuery.isSuccess && checkpoints.length === 0 && <p className="muted">This run has no checkpoint yet.</p>}

        {choices.mode === 'checkpoints' ? (
          <>
            <fieldset className="field" aria-invalid={errors.columns ? true : undefined}>
              <legend className="field-label">Checkpoints (columns, at most {MAX_CHECKPOINT_COLUMNS})</legend>
              {checkpoints.map((c) => {
                const key = checkpointKey(c);
                return (
                  <label key={key} className="choice">
                    <input
                      type="checkbox"
                      checked={effective.columns.includes(key)}
                      onChange={(e) => {
                        setColumnsTouched(true);
                        set({ columns: e.target.checked ? [...effective.columns, key] : effective.columns.filter((k) => k !== key) });
                      }}
                    />{' '}
                    {checkpointLabel(c)}
                  </label>
                );
              })}
              {errors.columns && <p className="field-error">{errors.columns}</p>}
            </fieldset>
            <fieldset className="field">
              <legend className="field-label">Prompts (rows, up to {MAX_PROMPTS})</legend>
              {choices.prompts.map((prompt, i) => (
                <input
                  key={i}
                  type="text"
                  aria-label={`Prompt ${i + 1}`}
                  value={prompt}
                  aria-invalid={errors.prompts ? true : undefined}
                  onChange={(e) => set({ prompts: choices.prompts.map((p, j) => (j === i ? e.target.value : p)) })}
                />
              ))}
              {errors.prompts && <p className="field-error">{errors.prompts}</p>}
            </fieldset>
            <TextField label="LoRA strength" value={choices.strength} error={errors.strength} onChange={(strength) => set({ strength })} />
          </>
        ) : (
          <>
            <Field label="Checkpoint" error={errors.checkpoint}>
              {(control) => (
                <select {...control} value={effective.checkpoint} onChange={(e) => set({ checkpoint: e.target.value })}>
                  {checkpoints.map((c) => (
                    <option key={checkpointKey(c)} value={checkpointKey(c)}>
                      {checkpointLabel(c)}
                      {c.loraId ? ` (version ${versionName(c.loraId)})` : ''}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <TextField label="Prompt" value={choices.prompts[0]!} error={errors.prompts} onChange={(p) => set({ prompts: [p, ...choices.prompts.slice(1)] })} />
            <TextField label="Strengths (rows)" value={choices.strengths} error={errors.strengths} onChange={(strengths) => set({ strengths })} />
            <TextField label="Seeds (columns)" value={choices.seedCount} error={errors.seedCount} onChange={(seedCount) => set({ seedCount })} />
          </>
        )}
        <TextField label={choices.mode === 'checkpoints' ? 'Seed' : 'First seed'} value={choices.seed} error={errors.seed} onChange={(seed) => set({ seed })} />

        <div className="form-actions">
          <Button type="submit" variant="primary" disabled={starting}>
            {starting ? 'Starting…' : 'Build the grid'}
          </Button>
          {active.length > 0 && (
            <Button variant="danger" onClick={() => void cancelAll()}>
              Cancel the grid ({active.length} left)
            </Button>
          )}
        </div>
      </form>

      {keep.isError && (
        <p role="alert" className="form-error">
          The checkpoint could not be kept as a version. {keep.error.message}
        </p>
      )}
      {grid && (
        <section className="card" aria-label="Comparison grid">
          {grid.plan.checkpoint && (
            <p>
              {checkpointLabel(grid.plan.checkpoint)} {renderKeep(grid.plan.checkpoint)}
            </p>
          )}
          <CompareGrid grid={grid} generations={generations} renderKeep={renderKeep} />
        </section>
      )}
    </div>
  );
}

function TextField({ label, value, error, onChange }: { label: string; value: string; error?: string; onChange: (value: string) => void }) {
  return (
    <Field label={label} error={error}>
      {(control) => <input type="text" {...control} value={value} onChange={(e) => onChange(e.target.value)} />}
    </Field>
  );
}
