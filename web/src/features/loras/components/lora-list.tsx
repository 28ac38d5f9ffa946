import { Link } from 'react-router';
import type { Lora } from '../../../../../lib/contracts/loras';
import { Badge } from '../../../components/ui/badge';
import { paths } from '../../../config/paths';
import { formatBytes, formatDateTime } from '../../../lib/format';
import { useLoras } from '../../../lib/queries/loras';

const BASE_MODEL_LABELS: Record<Lora['baseModel'], string> = { 'flux1-dev': 'FLUX.1-dev', sdxl: 'SDXL' };

/** The trained models of one character, newest first: what they are, and what to do with them. */
export function LoraList({ characterId, characterName }: { characterId: string; characterName: string }) {
  const loras = useLoras(characterId);
  const items = [...(loras.data?.items ?? [])].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const mostTrained = items.reduce<Lora | undefined>((best, l) => (!best || l.steps > best.steps || (l.steps === best.steps && l.version > best.version) ? l : best), undefined);
  return (
    <section className="card" aria-labelledby="loras-title">
      <h2 id="loras-title" className="card-title">
        Trained models (LoRAs)
      </h2>
      {loras.isPending && <p className="muted">Loading…</p>}
      {loras.isError && <p className="form-error">The trained models could not be loaded. {loras.error.message}</p>}
      {loras.isSuccess && items.length === 0 && (
        <p className="muted">
          No trained model of {characterName} yet. <Link to={`${paths.train}?character=${encodeURIComponent(characterId)}`}>Train one</Link>{' '}
          once the photos are ready.
        </p>
      )}
      {items.length > 0 && (
        <ul className="lora-list">
          {items.map((lora) => (
            <li key={lora.id} className="lora-item">
              <div className="lora-main">
                <p className="lora-name">
                  {lora.name}
                  {lora.favourite && <span aria-label="Favourite"> ★</span>}
                  {items.length > 1 && lora === mostTrained && (
                    <>
                      {' '}
                      <Badge tone="success">Most trained</Badge>
                    </>
                  )}
                </p>
                <p className="muted lora-facts">
                  {lora.steps} steps · {formatBytes(lora.sizeBytes)} · {BASE_MODEL_LABELS[lora.baseModel]}
                  {lora.rank !== null && <> · rank {lora.rank}</>} · trigger word <code>{lora.triggerWord}</code> ·{' '}
                  <time dateTime={lora.createdAt}>{formatDateTime(lora.createdAt)}</time>
                </p>
              </div>
              <div className="row-actions">
                <Link className="button button--primary" to={`${paths.generate}?lora=${encodeURIComponent(lora.id)}`}>
                  Generate with this<span className="visually-hidden"> ({lora.name})</span>
                </Link>
                <Link className="button button--quiet" to={`${paths.loras}?character=${encodeURIComponent(characterId)}#lora-${lora.id}`}>
                  Rename, notes, delete<span className="visually-hidden"> ({lora.name})</span>
                </Link>
                <a className="button button--secondary" href={lora.downloadUrl} download>
                  Download<span className="visually-hidden"> {lora.name}</span>
                </a>
                {lora.trainingRunId && (
                  <Link className="button button--quiet" to={paths.training(lora.trainingRunId)}>
                    Training<span className="visually-hidden"> of {lora.name}</span>
                  </Link>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
