import { useEffect, useId, useRef, type ReactNode } from 'react';
import { Button } from '../../../components/ui/button';
import { CopyButton } from './copy-button';

export interface RevealedSecret {
  /** What the secret is, e.g. "Token" or "Webhook signing secret". */
  label: string;
  value: string;
}

interface SecretRevealProps {
  title: string;
  secrets: RevealedSecret[];
  children?: ReactNode;
  onDone: () => void;
}

/**
 * Secrets shown this once, each with a copy button. Focus moves to the title so that a screen reader announces
 * it; the box stays until the person says they have what they need.
 */
export function SecretReveal({ title, secrets, children, onDone }: SecretRevealProps) {
  const titleRef = useRef<HTMLHeadingElement>(null);
  const id = useId();
  useEffect(() => titleRef.current?.focus(), []);
  return (
    <div className="success-box secret-reveal" role="group" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`} ref={titleRef} tabIndex={-1} className="secret-reveal-title">
        {title}
      </h3>
      <p className="secret-reveal-warning">Copy it now: you will not see it again. Isengard keeps only a fingerprint of it.</p>
      {secrets.map((secret) => (
        <div key={secret.label} className="secret-reveal-item">
          <span className="secret-reveal-label">{secret.label}</span>
          <code className="secret-reveal-value" data-secret={secret.label} data-volatile>
            {secret.value}
          </code>
          <CopyButton text={secret.value} label={`Copy ${secret.label.toLowerCase()}`} />
        </div>
      ))}
      {children}
      <div className="actions">
        <Button variant="primary" onClick={onDone}>
          I have copied it
        </Button>
      </div>
    </div>
  );
}
