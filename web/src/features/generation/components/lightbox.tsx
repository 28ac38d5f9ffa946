import { useId, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import type { Generation } from '../../../../../lib/contracts/generations';
import { BASE_MODELS } from '../../../../../lib/contracts/generations';
import { Button } from '../../../components/ui/button';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog';
import { paths } from '../../../config/paths';
import { formatDateTime } from '../../../lib/format';
import { useDeleteGeneration, useRerunGeneration } from '../api/mutate-generations';
import { shortPrompt } from '../utils/describe';
import { LikenessBadge, likenessLabel } from './gallery-likeness';

export interface GalleryImage {
  generation: Generation;
  output: Generation['outputs'][number];
}

interface LightboxProps {
  images: GalleryImage[];
  index: number;
  onIndexChange: (index: number) => void;
  /** Closes the viewer; `deleted` when its generation was deleted (its thumbnails are gone). */
  onClose: (deleted?: boolean) => void;
  renderWorkflowLink?: (workflowId: string) => ReactNode;
}

/** The seeds of a generation's pictures: one each, from its seed up. */
function seedsOf({ seed, batch }: Generation['parameters']): string {
  return batch === 1 ? `seed ${seed}` : `seeds ${seed}–${seed + batch - 1}`;
}

/**
 * The picture viewer: a modal <dialog> (the browser keeps focus inside and makes the page behind inert; the
 * gallery puts focus back on the thumbnail). Arrow keys go to the previous and next picture.
 */
export function Lightbox({ images, index, onIndexChange, onClose, renderWorkflowLink }: LightboxProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const closeButton = useRef<HTMLButtonElement>(null);
  const id = useId();
  const [confirming, setConfirming] = useState(false);
  const [started, setStarted] = useState<Generation | null>(null);
  const rerun = useRerunGeneration();
  const remove = useDeleteGeneration();
  const image = images[index];

  useLayoutEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    closeButton.current?.focus();
    return () => {
      if (dialog?.open) dialog.close();
    };
  }, []);

  if (!image) return null;
  const { generation, output } = image;
  const p = generation.parameters;
  const prompt = shortPrompt(p.userPrompt, 200);

  function go(step: number) {
    const next = index + step;
    if (next >= 0 && next < images.length) {
      onIndexChange(next);
      setStarted(null);
      rerun.reset();
    }
  }

  return (
    <dialog
      ref={ref}
      className="lightbox"
      aria-labelledby={`${id}-title`}
      onCancel={(event) => {
        event.preventDefault();
        if (!confirming) onClose();
      }}
      onKeyDown={(event) => {
        if (confirming || (event.target as HTMLElement).closest('input, textarea, select')) return;
        if (event.key === 'ArrowRight') go(1);
        if (event.key === 'ArrowLeft') go(-1);
      }}
    >
      <div className="lightbox-top">
        <h2 id={`${id}-title`} className="lightbox-title">
          Picture {index + 1} of {images.length}
        </h2>
        <div className="row-actions">
          <Button variant="quiet" onClick={() => go(-1)} disabled={index === 0}>
            <span aria-hidden="true">← </span>Previous
          </Button>
          <Button variant="quiet" onClick={() => go(1)} disabled={index === images.length - 1}>
            Next<span aria-hidden="true"> →</span>
          </Button>
          <Button ref={closeButton} onClick={() => onClose()}>
            Close
          </Button>
        </div>
      </div>
      <div className="lightbox-body">
        <div className="lightbox-image">
          <img src={output.url} alt={`${prompt} (seed ${output.seed})`} width={output.width} height={output.height} />
        </div>
        <div className="lightbox-info">
          <p className="lightbox-prompt">{p.userPrompt}</p>
          {p.prompt !== p.userPrompt && (
            <p className="muted">
              Sent as: <q>{shortPrompt(p.prompt, 300)}</q>
            </p>
          )}
          <dl className="result-list">
            <dt>Model</dt>
            <dd>
              {BASE_MODELS[p.baseModel].label}
              {p.lora ? ` + ${p.lora.name} at ${p.lora.strength}` : ''}
            </dd>
            {likenessLabel(generation, output) && (
              <>
                <dt>Likeness</dt>
                <dd>
                  <LikenessBadge generation={generation} output={output} />
                </dd>
              </>
            )}
            <dt>Size</dt>
            <dd>
              {output.width} × {output.height}
            </dd>
            <dt>Seed</dt>
            <dd>{output.seed}</dd>
            <dt>Steps</dt>
            <dd>{p.steps}</dd>
            <dt>Guidance</dt>
            <dd>{p.guidance}</dd>
            <dt>Sampler</dt>
            <dd>
              {p.sampler} / {p.scheduler}
            </dd>
            <dt>Made</dt>
            <dd>
              <time dateTime={generation.createdAt}>{formatDateTime(generation.createdAt)}</time>
            </dd>
          </dl>
          <div className="actions">
            <a className="button button--primary" href={output.url} download={`isengard-${output.seed}.png`}>
              Download
            </a>
            {/* This picture alone, from the seed recorded with it: the same picture again. */}
            <Button
              onClick={() => rerun.mutate({ id: generation.id, varySeed: false, outputId: output.id }, { onSuccess: setStarted })}
              disabled={rerun.isPending}
            >
              Re-run this picture
            </Button>
            <Button
              onClick={() => rerun.mutate({ id: generation.id, varySeed: true }, { onSuccess: setStarted })}
              disabled={rerun.isPending}
            >
              Vary seed
            </Button>
            <Button variant="quiet" className="button--quiet-danger" onClick={() => setConfirming(true)}>
              Delete
            </Button>
          </div>
          <p role="status" className="form-status">
            {started && (
              <>
                Started {started.parameters.batch === 1 ? 'a new picture' : `${started.parameters.batch} new pictures`}{' '}
                ({seedsOf(started.parameters)}): {started.parameters.batch === 1 ? 'it appears' : 'they appear'} first in the
                gallery. <Link to={`${paths.generate}?job=${encodeURIComponent(started.id)}`}>Follow it</Link>
              </>
            )}
          </p>
          {rerun.isError && (
            <p role="alert" className="form-error">
              {rerun.error.message}
            </p>
          )}
          {renderWorkflowLink && <p className="muted">For operators: {renderWorkflowLink(generation.workflowId)}</p>}
        </div>
      </div>
      {confirming && (
        <ConfirmDialog
          title={generation.outputs.length > 1 ? `Delete these ${generation.outputs.length} pictures?` : 'Delete this picture?'}
          confirmLabel="Delete"
          pendingLabel="Deleting…"
          pending={remove.isPending}
          error={remove.error?.message}
          onClose={() => {
            if (!remove.isPending) setConfirming(false);
          }}
          onConfirm={() =>
            remove.mutate(generation.id, {
              onSuccess: () => {
                setConfirming(false);
                onClose(true);
              },
            })
          }
        >
          <p>
            {generation.outputs.length > 1
              ? `The ${generation.outputs.length} pictures made together with this one are deleted with it.`
              : 'The picture is deleted from the gallery.'}{' '}
            This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </dialog>
  );
}
