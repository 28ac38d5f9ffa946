import { updateLoraInput, type LoraEntry } from '../../../../../lib/contracts/loras';
import { InlineRenameForm } from '../../../components/ui/inline-rename-form';
import { contractErrors, toFormErrors } from '../../../lib/field-errors';
import { useUpdateLora } from '../api/loras-api';

/** Renames a LoRA in place: Enter saves, Escape leaves it as it was; an emptied name is refused without a request. */
export function LoraRenameForm({ lora, onDone }: { lora: Pick<LoraEntry, 'id' | 'name'>; onDone: () => void }) {
  const update = useUpdateLora();
  return (
    <InlineRenameForm
      name={lora.name}
      check={(name) => {
        const refused = contractErrors(updateLoraInput, { name }, ['name'] as const);
        return refused ? (refused.fields.name ?? refused.form) : undefined;
      }}
      save={(name, { saved, failed }) =>
        update.mutate(
          { id: lora.id, patch: { name } },
          {
            onSuccess: saved,
            onError: (err) => {
              const errors = toFormErrors(err, ['name'] as const);
              failed(errors.fields.name ?? errors.form ?? 'The name was not saved.');
            },
          },
        )
      }
      saving={update.isPending}
      onDone={onDone}
    />
  );
}
