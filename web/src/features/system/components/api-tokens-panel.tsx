import { useRef, useState } from 'react';
import type { ApiToken, CreatedApiToken } from '../../../../../lib/contracts/auth';
import { useApiTokens } from '../api/api-tokens';
import { ApiTokenItem } from './api-token-item';
import { CreateTokenForm } from './create-token-form';
import { SecretReveal, type RevealedSecret } from './secret-reveal';
import './api-tokens.css';

interface Created {
  token: CreatedApiToken;
  webhookSecret: string | undefined;
}

function revealedSecrets({ token, webhookSecret }: Created): RevealedSecret[] {
  return [{ label: 'Token', value: token.token }, ...(webhookSecret ? [{ label: 'Webhook signing secret', value: webhookSecret }] : [])];
}

function TokenList({ onRevoked }: { onRevoked: (token: ApiToken) => void }) {
  const tokens = useApiTokens();
  if (tokens.isPending) return <p className="muted">Loading…</p>;
  if (tokens.isError) {
    return (
      <p role="alert" className="form-error">
        {tokens.error.message}
      </p>
    );
  }
  if (tokens.data.items.length === 0) return <p className="muted">No API tokens yet.</p>;
  return (
    <ul className="api-token-list">
      {tokens.data.items.map((token) => (
        <ApiTokenItem key={token.id} token={token} onRevoked={onRevoked} />
      ))}
    </ul>
  );
}

/**
 * API tokens for scripts (issue 24): create one (its secret shown once), give it a webhook of its own, revoke it.
 * Only a browser session manages tokens: the API refuses this to a token, which could otherwise outlive its own
 * revocation by minting another.
 */
export function ApiTokensPanel({ loginRequired }: { loginRequired: boolean | undefined }) {
  const [created, setCreated] = useState<Created | null>(null);
  const [revoked, setRevoked] = useState<string | null>(null);
  const [secretPutAway, setSecretPutAway] = useState(false);
  const listTitle = useRef<HTMLHeadingElement>(null);

  return (
    <section className="card api-tokens" aria-labelledby="api-tokens-title">
      <h2 id="api-tokens-title" className="card-title">
        API tokens
      </h2>
      <p className="muted">
        Scripts call the API with a token, sent as <code>Authorization: Bearer isg_…</code> (see the{' '}
        <a href="/api/docs">API reference</a>). A token can have a webhook of its own, to hear when jobs end. Tokens are
        made and revoked here only, never by a script.
      </p>
      {loginRequired === false && (
        <p className="api-tokens-note">
          This instance listens on this computer only and asks for no login, so scripts here work without a token.
          Tokens are checked once a login is required (<code>HOST</code> not loopback, or <code>AUTH=on</code>); a
          token&apos;s webhook works either way.
        </p>
      )}
      {created ? (
        <SecretReveal
          title={`Token “${created.token.name}” created`}
          secrets={revealedSecrets(created)}
          onDone={() => {
            setCreated(null);
            setSecretPutAway(true);
          }}
        >
          <p className="muted">
            Scripts send it as <code>Authorization: Bearer {created.token.prefix}…</code>
          </p>
        </SecretReveal>
      ) : (
        <CreateTokenForm
          focusOnMount={secretPutAway}
          onCreated={(token, webhookSecret) => {
            setRevoked(null);
            setCreated({ token, webhookSecret });
          }}
        />
      )}
      <h3 ref={listTitle} tabIndex={-1} className="api-tokens-list-title">
        Tokens
      </h3>
      <p role="status" className="form-status">
        {revoked && `Revoked “${revoked}”: scripts that send it are refused now.`}
      </p>
      <TokenList
        onRevoked={(token) => {
          setRevoked(token.name);
          listTitle.current?.focus();
        }}
      />
    </section>
  );
}
