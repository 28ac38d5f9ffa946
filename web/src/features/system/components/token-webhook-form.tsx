import { useRef, useState, type FormEvent } from 'react';
import type { ApiToken } from '../../../../../lib/contracts/auth';
import { WEBHOOK_SECRET_LENGTH, webhookInput, type WebhookInput } from '../../../../../lib/contracts/webhooks';
import { Button } from '../../../components/ui/button';
import { contractErrors, toFormErrors, type FormErrors } from '../../../lib/field-errors';
import { useRemoveTokenWebhook, useSetTokenWebhook } from '../api/api-tokens';
import { WebhookSecretField } from './webhook-secret-field';
import { WebhookUrlField } from './webhook-url-field';

const FIELDS = ['url', 'secret'] as const;
type WebhookField = (typeof FIELDS)[number];
const noErrors: FormErrors<WebhookField> = { fields: {} };

/** What the API would answer (api/routes/auth.ts), said before sending: only the page knows there is no webhook yet. */
const NEW_WEBHOOK_NEEDS_SECRET = 'A new webhook needs a secret to sign its calls with: type one or generate one';

interface TokenWebhookFormProps {
  token: ApiToken;
  /** Saved: with the new secret when one was set (shown once), undefined when the stored one stayed. */
  onSaved: (newSecret: string | undefined) => void;
  onRemoved: () => void;
  onCancel: () => void;
}

/** Sets, changes or removes one API token's webhook. Left empty when changing, the stored secret stays. */
export function TokenWebhookForm({ token, onSaved, onRemoved, onCancel }: TokenWebhookFormProps) {
  const [url, setUrl] = useState(token.webhookUrl ?? '');
  const [secret, setSecret] = useState('');
  const [errors, setErrors] = useState(noErrors);
  const save = useSetTokenWebhook();
  const remove = useRemoveTokenWebhook();
  const urlInput = useRef<HTMLInputElement>(null);
  const secretInput = useRef<HTMLInputElement>(null);
  const hasWebhook = token.webhookUrl !== null;

  function show(formErrors: FormErrors<WebhookField>) {
    setErrors(formErrors);
    if (formErrors.fields.url) urlInput.current?.focus();
    else if (formErrors.fields.secret) secretInput.current?.focus();
  }

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setErrors(noErrors);
    const input: WebhookInput = { url, ...(secret ? { secret } : {}) };
    const refused =
      contractErrors(webhookInput, input, FIELDS) ??
      (!hasWebhook && !secret ? { fields: { secret: NEW_WEBHOOK_NEEDS_SECRET } } : null);
    if (refused) {
      show(refused);
      return;
    }
    save.mutate(
      { id: token.id, input },
      {
        onSuccess: () => onSaved(input.secret),
        onError: (error) => show(toFormErrors(error, FIELDS)),
      },
    );
  }

  function onRemove() {
    setErrors(noErrors);
    remove.mutate(token.id, { onSuccess: onRemoved, onError: (error) => show(toFormErrors(error, FIELDS)) });
  }

  const busy = save.isPending || remove.isPending;
  return (
    <form onSubmit={onSubmit} noValidate className="form token-webhook-form" aria-label={`Webhook of ${token.name}`}>
      <WebhookUrlField value={url} onChange={setUrl} error={errors.fields.url} hint="The end of every job is POSTed here, signed." inputRef={urlInput} />
      <WebhookSecretField
        value={secret}
        onChange={setSecret}
        optional={hasWebhook}
        error={errors.fields.secret}
        inputRef={secretInput}
        hint={
          hasWebhook
            ? 'Set: leave empty to keep it, or type or generate a new one.'
            : `At least ${WEBHOOK_SECRET_LENGTH.min} characters, or generate one. Your receiver checks each call's signature with it.`
        }
      />
      {errors.form && (
        <p role="alert" className="form-error">
          {errors.form}
        </p>
      )}
      <div className="actions">
        <Button type="submit" variant="primary" disabled={busy}>
          {save.isPending ? 'Saving…' : 'Save webhook'}
        </Button>
        {hasWebhook && (
          <Button variant="quiet" className="button--quiet-danger" onClick={onRemove} disabled={busy}>
            {remove.isPending ? 'Removing…' : 'Remove webhook'}
          </Button>
        )}
        <Button variant="quiet" onClick={onCancel} disabled={busy}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
