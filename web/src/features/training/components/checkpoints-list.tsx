import { Link } from 'react-router';
import type { Checkpoint } from '../../../../../lib/contracts/training';
import { Badge } from '../../../components/ui/badge';
import { Button } from '../../../components/ui/button';
import { paths } from '../../../config/paths';
import { useCheckpointToLora } from '../api/checkpoint-lora';
import { useCheckpoints } from '../api/get-checkpoints';
import { formatLikeness, recognisableOf } from '../utils/likeness';

interface CheckpointsListProps {
  runId: string;
  characterId: string;
  lastCheckpointStep: number | null;
  /** The step the run recommended at its end, if it has (the list is read again when it does). */
  recommendedStep?: number | null;
}

const checkpointLabel = (c: Checkpoint) => (c.final ? 'Final' : `Step ${c.step}`);
const generateWith = (loraId: string) => `${paths.generate}?lora=${encodeURIComponent(loraId)}`;

/** "4 of 5 recognisable · mean likeness 0.95" for a checkpoint whose samples were scored. */
function likenessText(likeness: NonNullable<Checkpoint['likeness']>): string {
  return `${recognisableOf(likeness)}${likeness.mean !== null ? ` · mean likeness ${formatLikeness(likeness.mean)}` : ' · no face'}`;
}

/**
 * The checkpoints saved so far, each with the likeness of its samples: each one to download, or to use as a model (a
 * LoRA of the character) to generate with. A finished run's recommended checkpoint already is its LoRA, and is
 * marked; checkpoints whose samples copy training photos are flagged (overfitting).
 */
export function CheckpointsList({ runId, characterId, lastCheckpointStep, recommendedStep = null }: CheckpointsListProps) {
  const checkpoints = useCheckpoints(runId, lastCheckpointStep, recommendedStep);
  const toLora = useCheckpointToLora();
  if (!checkpoints.data || checkpoints.data.items.length === 0) return null;
  const made = toLora.data;
  return (
    <section className="card" aria-labelledby="checkpoints-title">
      <h2 id="checkpoints-title" className="card-title">
        Checkpoints
      </h2>
      <p className="muted">
        Each checkpoint is the model as it was at that step. Those saved on request are kept for the life of the run; the
        others may be replaced as training goes on.
      </p>
      <ul className="checkpoint-list">
        {checkpoints.data.items.map((c) => {
          const label = checkpointLabel(c);
          const pending = toLora.isPending && toLora.variables.checkpoint === c;
          return (
            <li key={c.url} className="checkpoint-item">
              <span className="checkpoint-name">{label}</span>
              {c.recommended && <Badge tone="success">Recommended</Badge>}
              {c.kept && <Badge tone="info">Saved on request · kept</Badge>}
              {c.likeness && c.likeness.copies > 0 && <Badge tone="warning">Copies training photos</Badge>}
              {c.likeness && <span className="checkpoint-likeness muted">{likenessText(c.likeness)}</span>}
              {c.loraId && <Badge tone="success">Model</Badge>}
              <span className="row-actions">
                <a href={c.url} download>
                  Download<span className="visually-hidden"> the checkpoint {c.final ? '(final)' : `at step ${c.step}`}</span>
                </a>
                {c.loraId ? (
                  <Link to={generateWith(c.loraId)}>
                    Generate with it<span className="visually-hidden"> ({label.toLowerCase()})</span>
                  </Link>
                ) : (
                  <Button
                    variant="quiet"
                    onClick={() => toLora.mutate({ runId, characterId, checkpoint: c })}
                    disabled={toLora.isPending}
                  >
                    {pending ? 'Making the model…' : 'Use as a model'}
                    <span className="visually-hidden"> ({label.toLowerCase()})</span>
                  </Button>
                )}
              </span>
            </li>
          );
        })}
      </ul>
      <p role="status" className="checkpoint-note">
        {made && (
          <>
            The checkpoint at step {made.steps} is a model now: {made.name}.{' '}
            <Link to={generateWith(made.id)}>Generate with {made.name}</Link>
          </>
        )}
      </p>
      {toLora.isError && (
        <p role="alert" className="form-error">
          The checkpoint could not be made into a model. {toLora.error.message}
        </p>
      )}
    </section>
  );
}
