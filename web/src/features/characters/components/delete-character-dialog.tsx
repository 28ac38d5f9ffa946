import { Link } from 'react-router';
import type { DeletionImpact } from '../../../../../lib/contracts/character-impact';
import type { Character } from '../../../../../lib/contracts/characters';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog';
import { paths } from '../../../config/paths';
import { plural } from '../../../lib/format';
import { useDeletionImpact } from '../api/get-deletion-impact';

/** "14 photos, 3 training runs and 2 models", or null when there is nothing. */
function goingWithIt(impact: DeletionImpact): string | null {
  const parts = [
    impact.photos > 0 ? plural(impact.photos, 'photo') : null,
    impact.trainingRuns > 0 ? plural(impact.trainingRuns, 'training run') : null,
    impact.loras > 0 ? plural(impact.loras, 'trained model') : null,
  ].filter((part): part is string => part !== null);
  if (parts.length === 0) return null;
  return parts.length === 1 ? parts[0]! : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)!}`;
}

function ImpactSummary({ character, impact }: { character: Character; impact: DeletionImpact }) {
  const going = goingWithIt(impact);
  const running = impact.activeTrainings.length + impact.activeGenerations.length > 0;
  return (
    <>
      <p>{going ? `Deleted with ${character.name}: ${going}.` : `${character.name} has no photos, training runs or models yet.`}</p>
      {impact.pictures > 0 && (
        <p>
          The {plural(impact.pictures, 'picture')} generated of {character.name} stay in the gallery.
        </p>
      )}
      {running ? (
        <div role="alert" className="inline-error">
          <p>
            {character.name} still has work queued or running: it must end before the character can be deleted (stop or cancel it,
            or wait for it to finish).
          </p>
          <ul>
            {impact.activeTrainings.map((run) => (
              <li key={run.id}>
                <Link to={paths.training(run.id)}>A training ({run.status === 'queued' ? 'queued' : 'running'})</Link>
              </li>
            ))}
            {impact.activeGenerations.length > 0 && (
              <li>
                <Link to={paths.generate}>{plural(impact.activeGenerations.length, 'generation')} queued or running</Link>
              </li>
            )}
          </ul>
        </div>
      ) : (
        <p>Nothing of {character.name} is running. This cannot be undone from the app.</p>
      )}
    </>
  );
}

interface DeleteCharacterDialogProps {
  character: Character;
  pending: boolean;
  error?: string;
  onConfirm: () => void;
  onClose: () => void;
}

/**
 * Asks before a character is deleted, saying what it has now and what goes with it (read when the dialog opens);
 * the confirmation waits for that answer, and for the character's running jobs to end.
 */
export function DeleteCharacterDialog({ character, pending, error, onConfirm, onClose }: DeleteCharacterDialogProps) {
  const impact = useDeletionImpact(character.id);
  const running = impact.data ? impact.data.activeTrainings.length + impact.data.activeGenerations.length > 0 : false;
  return (
    <ConfirmDialog
      title={`Delete ${character.name}?`}
      confirmLabel={`Delete ${character.name}`}
      pendingLabel="Deleting…"
      pending={pending}
      confirmDisabled={!impact.data || running}
      error={error}
      onConfirm={onConfirm}
      onClose={onClose}
    >
      {impact.isPending && <p>Counting what {character.name} has…</p>}
      {impact.isError && <p className="form-error">What would be deleted could not be read: {impact.error.message}</p>}
      {impact.data && <ImpactSummary character={character} impact={impact.data} />}
    </ConfirmDialog>
  );
}
