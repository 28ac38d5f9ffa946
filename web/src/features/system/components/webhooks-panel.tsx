import { useState, type FormEvent } from 'react';
import { WEBHOOK_SECRET_LENGTH, type WebhookDelivery } from '../../../../../lib/contracts/webhooks';
import { Badge } from '../../../components/ui/badge';
import { Button } from '../../../components/ui/button';
import { Field } from '../../../components/ui/field';
import { formatDateTime } from '../../../lib/format';
import { useRedeliverWebhook, useRemoveWebhookSettings, useSetWebhookSettings, useWebhookDeliveries, useWebhookSettings } from '../api/webhooks';

const statusLabel: Record<WebhookDelivery['status'], { text: string; tone: 'success' | 'info' | 'warning' | 'danger' }> = {
  pending: { text: 'Sending', tone: 'info' },
  delivered: { text: 'Delivered', tone: 'success' },
  retrying: { text: 'Retrying', tone: 'warning' },
  failed: { text: 'Failed', tone: 'danger' },
};

/** The instance-wide webhook: a URL and the secret that signs its calls (never shown again once saved). */
function WebhookSettingsForm() {
  const settings = useWebhookSettings();
  const save = useSetWebhookSettings();
  const remove = useRemoveWebhookSettings();
  const [url, setUrl] = useState<string | undefined>(undefined);
  const [secret, setSecret] = useState('');
  const current = settings.data?.webhook ?? null;
  const shownUrl = url ?? current?.url ?? '';

  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate({ url: shownUrl, ...(secret ? { secret } : {}) }, { onSuccess: () => setSecret('') });
  }

  return (
    <form onSubmit={submit} aria-label="Instance webhook">
      <Field label="URL" hint="Every job's end (training, generation, model download) is POSTed here, signed.">
        {(control) => <input {...control} type="url" value={shownUrl} placeholder="https://example.com/hooks/isengard" onChange={(e) => setUrl(e.target.value)} />}
      </Field>
      <Field
        label="Secret"
        optional={Boolean(current)}
        hint={current ? 'Set: leave empty to keep it, or type a new one.' : `At least ${WEBHOOK_SECRET_LENGTH.min} characters; your receiver checks the signature with it.`}
      >
        {(control) => <input {...control} type="password" autoComplete="off" value={secret} onChange={(e) => setSecret(e.target.value)} />}
      </Field>
      <div className="actions">
        <Button variant="primary" type="submit" disabled={save.isPending || !shownUrl}>
          Save webhook
        </Button>
        {current && (
          <Button onClick={() => remove.mutate(undefined, { onSuccess: () => setUrl('') })} disabled={remove.isPending}>
            Remove
          </Button>
        )}
      </div>
      {(save.isError || remove.isError) && (
        <p role="alert" className="form-error">
          {(save.error ?? remove.error)?.message}
        </p>
      )}
    </form>
  );
}

function DeliveryLog() {
  const deliveries = useWebhookDeliveries();
  const redeliver = useRedeliverWebhook();
  if (deliveries.isPending) return <p className="muted">Loading…</p>;
  if (deliveries.isError) return <p className="form-error">{deliveries.error.message}</p>;
  if (deliveries.data.items.length === 0) return <p className="muted">No webhook calls yet.</p>;
  return (
    <div className="table-scroll">
      <table className="table">
        <caption className="visually-hidden">The last 50 webhook deliveries, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Event</th>
            <th scope="col">Target</th>
            <th scope="col">Status</th>
            <th scope="col">Attempts</th>
            <th scope="col">Last error</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {deliveries.data.items.map((delivery) => (
            <tr key={delivery.id} data-delivery-id={delivery.id}>
              <td>
                {delivery.event}
                <br />
                <span className="muted">{formatDateTime(delivery.createdAt)}</span>
              </td>
              <td>
                {delivery.targetHost}
                {delivery.endpoint !== 'settings' && <span className="muted"> (API token)</span>}
              </td>
              <td>
                <Badge tone={statusLabel[delivery.status].tone}>{statusLabel[delivery.status].text}</Badge>
              </td>
              <td>{delivery.attempts}</td>
              <td>{delivery.lastError ?? <span className="muted">—</span>}</td>
              <td>
                {(delivery.status === 'delivered' || delivery.status === 'failed') && (
                  <Button onClick={() => redeliver.mutate(delivery.id)} disabled={redeliver.isPending}>
                    Redeliver<span className="visually-hidden"> {delivery.event}</span>
                  </Button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function WebhooksPanel() {
  return (
    <section className="card" aria-labelledby="webhooks-title">
      <h2 id="webhooks-title" className="card-title">
        Webhooks
      </h2>
      <p className="muted">
        Tell your scripts when a job ends. API tokens can have a webhook of their own; every call carries an
        Isengard-Signature header (HMAC-SHA256) and is retried for a day until your receiver answers 2xx.
      </p>
      <WebhookSettingsForm />
      <h3>Delivery log</h3>
      <DeliveryLog />
    </section>
  );
}
