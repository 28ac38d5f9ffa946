import { useEffect, useRef, useState, type FormEvent, type RefObject } from 'react';
import { tokenInput, type CreatedApiToken, type TokenInput } from '../../../../../lib/contracts/auth';
import { WEBHOOK_SECRET_LENGTH } from '../../../../../lib/contracts/webhooks';
import { Button } from '../../../components/ui/button';
import { Field } from '../../../components/ui/field';
import { contractErrors, toFormErrors, type FormErrors } from '../../../lib/field-errors';
import { useCreateApiToken } from '../api/api-tokens';
import { WebhookSecretField } from './webhook-secret-field';
import { WebhookUrlField } from './webhook-url-field';

const FIELDS = ['name', 'expiresInDays', 'webhook.url', 'webhook.secret'] as const;
type CreateTokenField = (typeof FIELDS)[number];
const noErrors: FormErrors<CreateTokenField> = { fields: {} };

/** How long a new token may live: the choices offered (the API takes any whole number of days). */
const EXPIRY_CHOICES = [
  { days: '', label: 'Never: until revoked' },
  { days: '30', label: '30 days' },
  { days: '90', label: '90 days' },
  { days: '365', label: '1 year' },
] as const;

interface CreateTokenFormProps {
  /** The token just created, and the webhook secret it was given (both shown once, then never again). */
  onCreated: (created: CreatedApiToken, webhookSecret: string | undefined) => void;
  /** Put the focus in the name field when shown (it comes back after a new token's secret was put away). */
  focusOnMount?: boolean;
}

export function CreateTokenForm({ onCreated, focusOnMount = false }: CreateTokenFormProps) {
  const [name, setName] = useState('');
  const [expiresInDays, setExpiresInDays] = useState('');
  const [webhookUrl, setWebhookUrl] = useState('');
  const [webhookSecret, setWebhookSecret] = useState('');
  const [errors, setErrors] = useState(noErrors);
  const create = useCreateApiToken();
  const nameInput = useRef<HTMLInputElement>(null);
  const expiryInput = useRef<HTMLSelectElement>(null);
  const urlInput = useRef<HTMLInputElement>(null);
  const secretInput = useRef<HTMLInputElement>(null);
  const controls: Record<CreateTokenField, RefObject<HTMLElement | null>> = {
    name: nameInput,
    expiresInDays: expiryInput,
    'webhook.url': urlInput,
    'webhook.secret': secretInput,
  };

  useEffect(() => {
    if (focusOnMount) nameInput.current?.focus();
  }, [focusOnMount]);

  function show(formErrors: FormErrors<CreateTokenField>) {
    setErrors(formErrors);
    const first = FIELDS.find((f) => formErrors.fields[f]);
    if (first) controls[first].current?.focus();
  }

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setErrors(noErrors);
    // A webhook is sent only when either half of it is filled in: then both halves must be right.
    const wantsWebhook = webhookUrl.trim() !== '' || webhookSecret !== '';
    const body: TokenInput = {
      name,
      ...(expiresInDays ? { expiresInDays: Number(expiresInDays) } : {}),
      ...(wantsWebhook ? { webhook: { url: webhookUrl, secret: webhookSecret } } : {}),
    };
    const refused = contractErrors(tokenInput, body, FIELDS);
    if (refused) {
      show(refused);
      return;
    }
    create.mutate(body, {
      onSuccess: (created) => {
        setName('');
        setExpiresInDays('');
        setWebhookUrl('');
        setWebhookSecret('');
        onCreated(created, body.webhook?.secret);
      },
      onError: (error) => show(toFormErrors(error, FIELDS, 'name')),
    });
  }

  return (
    <form onSubmit={onSubmit} noValidate className="form" aria-label="New API token">
      <Field label="Name" error={errors.fields.name} hint="What the token is for, e.g. the script or machine that uses it.">
        {(control) => (
          <input
            {...control}
            ref={nameInput}
            name="name"
            type="text"
            autoComplete="off"
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        )}
      </Field>
      <Field label="Expires" error={errors.fields.expiresInDays}>
        {(control) => (
          <select
            {...control}
            ref={expiryInput}
            value={expiresInDays}
            onChange={(e) => setExpiresInDays(e.target.value)}
          >
            {EXPIRY_CHOICES.map((choice) => (
              <option key={choice.days} value={choice.days}>
                {choice.label}
              </option>
            ))}
          </select>
        )}
      </Field>
      <fieldset className="token-webhook-fieldset">
        <legend>Webhook (optional)</legend>
        <p className="field-hint">Where the end of every job is POSTed for this token's scripts, signed with the secret.</p>
        <WebhookUrlField value={webhookUrl} onChange={setWebhookUrl} error={errors.fields['webhook.url']} inputRef={urlInput} />
        <WebhookSecretField
          value={webhookSecret}
          onChange={setWebhookSecret}
          error={errors.fields['webhook.secret']}
          inputRef={secretInput}
          hint={`Needed with a webhook URL: at least ${WEBHOOK_SECRET_LENGTH.min} characters, or generate one. Your receiver checks each call's signature with it.`}
        />
      </fieldset>
      {errors.form && (
        <p role="alert" className="form-error">
          {errors.form}
        </p>
      )}
      <div className="actions">
        <Button type="submit" variant="primary" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create token'}
        </Button>
      </div>
    </form>
  );
}
