import { useState, type ReactNode, type Ref } from 'react';
import { Button } from '../../../components/ui/button';
import { Field } from '../../../components/ui/field';
import { generateWebhookSecret } from '../utils/webhook-secret';

interface WebhookSecretFieldProps {
  value: string;
  onChange: (value: string) => void;
  error?: string | undefined;
  hint: ReactNode;
  optional?: boolean;
  inputRef?: Ref<HTMLInputElement>;
}

/**
 * The secret that signs a webhook's calls: typed, or generated here (then shown, so it can be copied into the
 * receiver before saving; it is shown once more, with a copy button, after saving).
 */
export function WebhookSecretField({ value, onChange, error, hint, optional = false, inputRef }: WebhookSecretFieldProps) {
  const [visible, setVisible] = useState(false);
  return (
    <Field label="Signing secret" optional={optional} error={error} hint={hint}>
      {(control) => (
        <div className="secret-input-row">
          <input
            {...control}
            ref={inputRef}
            type={visible ? 'text' : 'password'}
            autoComplete="new-password"
            spellCheck={false}
            autoCapitalize="off"
            value={value}
            onChange={(e) => onChange(e.target.value)}
          />
          <Button
            onClick={() => {
              onChange(generateWebhookSecret());
              setVisible(true);
            }}
          >
            Generate
          </Button>
        </div>
      )}
    </Field>
  );
}
