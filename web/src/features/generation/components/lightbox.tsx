import { useId, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import type { Generation } from '../../../../../lib/contracts/generations';
import { BASE_MODELS } from '../../../../../lib/contracts/generations';
import { Button } from '../../../components/ui/button';
import { paths } from '../../../config/paths';
import { formatDateTime } from '../../../lib/format';
import { shortPrompt } from '../utils/describe';
import { LikenessBadge, likenessLabel } from './gallery-likeness';
import { FavouriteToggle, PictureActions, startedText } from './picture-actions';

export interface GalleryImage {
  generation: Generation;
  output: Generation['outputs'][number];
}

interface LightboxProps {
  images: GalleryImage[];
  index: number;
  onIndexChange: (index: number) => void;
  /** Closes the viewer; `deleted` when its picture was deleted (its thumbnail is gone). */
  onClose: (deleted?: boolean) => void;
  renderWorkflowLink?: (workflowId: string) => ReactNode;
}

/**
 * The picture viewer: a modal <dialog> (the browser keeps focus inside and makes the page behind inert; the
 * gallery puts focus back on the thumbnail). Arrow keys go to the previous and next picture.
 */
export function Lightbox({ images, index, onIndexChange, onClose, renderWorkflowLink }: LightboxProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const closeButton = useRef<HTMLButtonElement>(null);
  const id = useId();
  const [started, setStarted] = useState<Generation | null>(null);
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
    }
  }

  return (
    <dialog
      ref={ref}
      className="lightbox"
      aria-labelledby={`${id}-title`}
      onCancel={(event) => {
        event.preventDefault();
        // Esc in the delete confirmation closes that dialog alone.
        if (event.target === event.currentTarget) onClose();
      }}
      onKeyDown={(event) => {
        if ((event.target as HTMLElement).closest('input, textarea, select, dialog dialog')) return;
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
      {/* Above the picture, so that on a phone they are in view without scrolling. */}
      <div className="lightbox-actions" role="group" aria-label="This picture">
        <FavouriteToggle output={output} which={`(seed ${output.seed})`} />
        <a className="button button--primary" href={output.url} download={`isengard-${output.seed}.png`}>
          Download
        </a>
        <PictureActions key={output.id} image={image} onStarted={setStarted} onDeleted={() => onClose(true)} />
      </div>
      <p role="status" className="form-status lightbox-status">
        {started && (
          <>
            Started {startedText(started)}: it appears first in the gallery.{' '}
            <Link to={`${paths.generate}?job=${encodeURIComponent(started.id)}`}>Follow it</Link>
          </>
        )}
      </p>
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
          {renderWorkflowLink && <p className="muted">For operators: {renderWorkflowLink(generation.workflowId)}</p>}
        </div>
      </div>
    </dialog>
  );
}
