import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { PRESETS } from '../../../../../lib/contracts/training';
import type { LoraEntry as Entry } from '../../../../../lib/contracts/loras';
import { Badge } from '../../../components/ui/badge';
import { Button } from '../../../components/ui/button';
import { paths } from '../../../config/paths';
import { formatBytes, formatDateTime } from '../../../lib/format';
import { useUpdateLora } from '../api/loras-api';
import { LoraNotes } from './lora-notes';
import { LoraRenameForm } from './lora-rename-form';

/** One LoRA of the LoRAs page: what it is, where it came from, and what to do with it. */
export function LoraEntry({ lora, onDeleteRequested }: { lora: Entry; onDeleteRequested: (lora: Entry) => void }) {
  const [renaming, setRenaming] = useState(false);
  const renameButton = useRef<HTMLButtonElement>(null);
  const returnFocus = useRef(false);
  const update = useUpdateLora();

  useEffect(() => {
    if (!renaming && returnFocus.current) {
      returnFocus.current = false;
      renameButton.current?.focus();
    }
  }, [renaming]);

  return (
    <li className="lora-entry" id={`lora-${lora.id}`} aria-label={lora.name}>
      <div className="lora-entry-head">
        {renaming ? (
          <LoraRenameForm
            lora={lora}
            onDone={() => {
              returnFocus.current = true;
              setRenaming(false);
            }}
          />
        ) : (
          <>
            <h3 className="lora-name">{lora.name}</h3>
            <Button
              variant="quiet"
              className="lora-star"
              aria-pressed={lora.favourite}
              disabled={update.isPending}
              onClick={() => update.mutate({ id: lora.id, patch: { favourite: !lora.favourite } })}
            >
              <span aria-hidden="true">{lora.favourite ? '★' : '☆'}</span> Favourite<span className="visually-hidden"> {lora.name}</span>
            </Button>
          </>
        )}
      </div>
      <p className="lora-badges">
        <Badge>v{lora.version}</Badge>
        {lora.mostTrained && <Badge tone="success">Most trained</Badge>}
        {lora.recommended && <Badge tone="info">Recommended</Badge>}
        {lora.stoppedEarly && (
          <Badge tone="warning">
            Stopped early at step {lora.stoppedEarly.atStep} of {lora.stoppedEarly.ofSteps}
          </Badge>
        )}
      </p>
      <p className="muted lora-facts">
        {lora.steps} steps · {formatBytes(lora.sizeBytes)} · <time dateTime={lora.createdAt}>{formatDateTime(lora.createdAt)}</time> · trigger word{' '}
        <code>{lora.triggerWord}</code>
        {lora.sourceRun && (
          <>
            {' · '}
            from a <Link to={paths.training(lora.sourceRun.id)}>{PRESETS[lora.sourceRun.preset].label} run of {lora.sourceRun.totalSteps} steps</Link>
          </>
        )}
      </p>
      {update.isError && <p className="form-error">The change could not be saved. {update.error.message}</p>}
      <LoraNotes lora={lora} />
      {!renaming && (
        <div className="row-actions">
          <Link className="button button--primary" to={`${paths.generate}?lora=${encodeURIComponent(lora.id)}`}>
            Generate with this<span className="visually-hidden"> ({lora.name})</span>
          </Link>
          <a className="button button--secondary" href={lora.downloadUrl} download>
            Download<span className="visually-hidden"> {lora.name}</span>
          </a>
          <Button ref={renameButton} variant="quiet" onClick={() => setRenaming(true)}>
            Rename<span className="visually-hidden"> {lora.name}</span>
          </Button>
          <Button variant="quiet" className="button--quiet-danger" onClick={() => onDeleteRequested(lora)}>
            Delete<span className="visually-hidden"> {lora.name}</span>
          </Button>
        </div>
      )}
    </li>
  );
}
