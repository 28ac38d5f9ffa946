import type { ReactNode, Ref } from 'react';
import { Field } from '../../../components/ui/field';

interface WebhookUrlFieldProps {
  value: string;
  onChange: (value: string) => void;
  error?: string | undefined;
  hint?: ReactNode;
  inputRef?: Ref<HTMLInputElement>;
}

/** Where a webhook's calls go: the field of a new token's webhook and of a token's webhook settings. */
export function WebhookUrlField({ value, onChange, error, hint, inputRef }: WebhookUrlFieldProps) {
  return (
    <Field label="Webhook URL" error={error} hint={hint}>
      {(control) => (
        <input
          {...control}
          ref={inputRef}
          type="url"
          autoComplete="off"
          placeholder="https://example.com/hooks/isengard"
          value={value}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
    </Field>
  );
}
