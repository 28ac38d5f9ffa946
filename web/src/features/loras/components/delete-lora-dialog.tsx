import type { LoraEntry } from '../../../../../lib/contracts/loras';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog';
import { formatBytes, plural } from '../../../lib/format';
import { useDeleteLora, useLoraImpact } from '../api/loras-api';

/** Asks before deleting a LoRA, saying what it affects: the pictures made with it, the character, jobs using it. */
export function DeleteLoraDialog({ lora, onClose, onDeleted }: { lora: LoraEntry; onClose: () => void; onDeleted: () => void }) {
  const impact = useLoraImpact(lora.id);
  const remove = useDeleteLora();
  const busy = impact.data?.activeJobs.length ?? 0;
  return (
    <ConfirmDialog
      title={`Delete ${lora.name}?`}
      confirmLabel="Delete"
      pendingLabel="Deleting…"
      pending={remove.isPending}
      {...(remove.error ? { error: remove.error.message } : {})}
      onConfirm={() => remove.mutate(lora.id, { onSuccess: onDeleted })}
      onClose={onClose}
    >
      {impact.isPending && <p className="muted">Checking what uses it…</p>}
      {impact.isError && <p className="form-error">What it affects could not be checked. {impact.error.message}</p>}
      {impact.data && (
        <ul className="lora-impact">
          <li>
            {impact.data.generations === 0
              ? 'No picture was made with it.'
              : `${plural(impact.data.generations, 'generation')} made with it stay in the gallery, but cannot be made again with it.`}
          </li>
          {impact.data.currentOfCharacter && (
            <li>It is {lora.characterName}’s newest trained model: Generate and the character page will offer the one before it instead.</li>
          )}
          {busy > 0 && (
            <li className="form-error">
              {plural(busy, 'generation')} queued or running {busy === 1 ? 'uses' : 'use'} it: it can be deleted once{' '}
              {busy === 1 ? 'it has' : 'they have'} finished or been cancelled.
            </li>
          )}
          <li>Its file ({formatBytes(lora.sizeBytes)}) is removed from the disk. This cannot be undone.</li>
        </ul>
      )}
    </ConfirmDialog>
  );
}
