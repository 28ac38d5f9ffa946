import { useState } from 'react';
import { Button } from '../../../components/ui/button';

type CopyState = 'idle' | 'copied' | 'failed';

/**
 * The clipboard API exists only on secure pages (https or localhost); a pod reached over plain http has none, so
 * the old way (a selected textarea and the copy command) is the fallback.
 */
async function copyText(text: string): Promise<boolean> {
  if (navigator.clipboard?.writeText) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // Refused (no permission): try the old way.
    }
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.append(area);
  area.select();
  try {
    return typeof document.execCommand === 'function' && document.execCommand('copy');
  } catch {
    return false;
  } finally {
    area.remove();
  }
}

/** Copies a secret and says whether that worked; where the browser refuses, it says to copy by hand. */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [state, setState] = useState<CopyState>('idle');
  return (
    <span className="copy-control">
      <Button onClick={() => void copyText(text).then((ok) => setState(ok ? 'copied' : 'failed'))}>{label}</Button>
      <span role="status" className={state === 'failed' ? 'form-error' : 'form-status'}>
        {state === 'copied' && 'Copied'}
        {state === 'failed' && 'This browser did not let the page copy: select the text and copy it by hand.'}
      </span>
    </span>
  );
}
