import { useId } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { paths } from '../../config/paths';
import { PageHeader } from '../../components/layout/page-header';
import { useCharacters } from '../../lib/queries/characters';
import { RunHistory } from '../../features/training/components/run-history';
import { StartTrainingForm } from '../../features/training/components/start-training-form';

export function TrainingRoute() {
  const id = useId();
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const characters = useCharacters();
  const items = characters.data?.items ?? [];
  const selectedId = params.get('character') ?? (items.length === 1 ? items[0]!.id : '');
  const selected = items.find((c) => c.id === selectedId);

  return (
    <>
      <PageHeader
        title="Train"
        description="Training teaches the image model what your character looks like, from their photos. Pick a character and a preset; the defaults suit most people."
      />
      {characters.isPending && <p className="muted">Loading characters…</p>}
      {characters.isError && (
        <p role="alert" className="form-error">
          Your characters could not be loaded. {characters.error.message}
        </p>
      )}
      {characters.isSuccess && items.length === 0 && (
        <section className="card empty-state">
          <p className="empty-state-title">No characters yet</p>
          <p>
            Training needs a character with photos. <Link to={paths.characters}>Create your characters</Link> first.
          </p>
        </section>
      )}
      {items.length > 0 && (
        <div className="stack stack--wide">
          <div className="field character-picker">
            <label htmlFor={`${id}-character`} className="field-label">
              Character
            </label>
            <select
              id={`${id}-character`}
              value={selected?.id ?? ''}
              onChange={(e) => setParams(e.target.value ? { character: e.target.value } : {}, { replace: true })}
            >
              <option value="">Choose a character…</option>
              {items.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          </div>
          {selected && (
            <>
              <StartTrainingForm key={selected.id} character={selected} onStarted={(run) => void navigate(paths.training(run.id))} />
              <RunHistory characterId={selected.id} />
            </>
          )}
        </div>
      )}
    </>
  );
}

export default TrainingRoute;
