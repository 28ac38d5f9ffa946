import { useRef, useState } from 'react';
import type { ApiToken } from '../../../../../lib/contracts/auth';
import { Badge } from '../../../components/ui/badge';
import { Button } from '../../../components/ui/button';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog';
import { formatDateTime } from '../../../lib/format';
import { useRevokeApiToken } from '../api/api-tokens';
import { SecretReveal } from './secret-reveal';
import { TokenWebhookForm } from './token-webhook-form';

function When({ iso, otherwise }: { iso: string | null; otherwise: string }) {
  return iso ? <time dateTime={iso}>{formatDateTime(iso)}</time> : <>{otherwise}</>;
}

const isExpired = (token: ApiToken, now: number) => token.expiresAt !== null && Date.parse(token.expiresAt) <= now;

type Notice = { kind: 'saved'; secret: string | undefined } | { kind: 'removed' } | null;

interface ApiTokenItemProps {
  token: ApiToken;
  /** Called once the token is revoked: it has left the list, so the panel says so and takes the focus. */
  onRevoked: (token: ApiToken) => void;
}

/** One API token: what it is, when it was used, its webhook (set, change, remove) and Revoke. */
export function ApiTokenItem({ token, onRevoked }: ApiTokenItemProps) {
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [notice, setNotice] = useState<Notice>(null);
  const revoke = useRevokeApiToken();
  const webhookButton = useRef<HTMLButtonElement>(null);
  // The time of the first render is recent enough to tell an expired token: the list is fetched again on changes.
  const [renderedAt] = useState(Date.now);
  const expired = isExpired(token, renderedAt);

  return (
    <li className="api-token" data-token-id={token.id}>
      <div className="api-token-head">
        <span className="api-token-name">{token.name}</span>
        <code className="api-token-prefix">{token.prefix}…</code>
        {expired && <Badge tone="danger">Expired</Badge>}
      </div>
      <dl className="api-token-facts">
        <div>
          <dt>Created</dt>
          <dd>
            <time dateTime={token.createdAt}>{formatDateTime(token.createdAt)}</time>
          </dd>
        </div>
        <div>
          <dt>Last used</dt>
          <dd>
            <When iso={token.lastUsedAt} otherwise="Never" />
          </dd>
        </div>
        <div>
          <dt>{expired ? 'Expired' : 'Expires'}</dt>
          <dd>
            <When iso={token.expiresAt} otherwise="Never (until revoked)" />
          </dd>
        </div>
        <div>
          <dt>Webhook</dt>
          <dd className="api-token-webhook">{token.webhookUrl ?? 'None'}</dd>
        </div>
      </dl>
      <div className="row-actions">
        <Button
          ref={webhookButton}
          variant="quiet"
          aria-expanded={editing}
          onClick={() => {
            setEditing(!editing);
            setNotice(null);
          }}
        >
          {token.webhookUrl ? 'Change webhook' : 'Set webhook'}
          <span className="visually-hidden"> of {token.name}</span>
        </Button>
        <Button variant="quiet" className="button--quiet-danger" onClick={() => setConfirming(true)}>
          Revoke<span className="visually-hidden"> {token.name}</span>
        </Button>
      </div>
      {editing && (
        <TokenWebhookForm
          token={token}
          onSaved={(secret) => {
            setEditing(false);
            setNotice({ kind: 'saved', secret });
          }}
          onRemoved={() => {
            setEditing(false);
            setNotice({ kind: 'removed' });
          }}
          onCancel={() => {
            setEditing(false);
            webhookButton.current?.focus();
          }}
        />
      )}
      {notice?.kind === 'saved' && notice.secret !== undefined ? (
        <SecretReveal
          title={`Webhook of “${token.name}” saved`}
          secrets={[{ label: 'Signing secret', value: notice.secret }]}
          onDone={() => {
            setNotice(null);
            webhookButton.current?.focus();
          }}
        >
          <p className="muted">Give it to the receiver at {token.webhookUrl ?? 'the webhook URL'}: it checks each call's signature with it.</p>
        </SecretReveal>
      ) : (
        <p role="status" className="form-status">
          {notice?.kind === 'saved' && 'Webhook saved; its secret stays as it was.'}
          {notice?.kind === 'removed' && 'Webhook removed.'}
        </p>
      )}
      {confirming && (
        <ConfirmDialog
          title={`Revoke the token “${token.name}”?`}
          confirmLabel="Revoke token"
          pendingLabel="Revoking…"
          pending={revoke.isPending}
          error={revoke.error?.message}
          // mutateAsync: its promise settles even though this item has left the list by then (mutate's callbacks would not).
          onConfirm={() => void revoke.mutateAsync(token.id).then(() => onRevoked(token), () => undefined)}
          onClose={() => {
            revoke.reset();
            setConfirming(false);
          }}
        >
          <p>
            Scripts that send it are refused from now on, and its webhook stops. This cannot be undone: a script that
            still needs the API needs a new token.
          </p>
        </ConfirmDialog>
      )}
    </li>
  );
}
