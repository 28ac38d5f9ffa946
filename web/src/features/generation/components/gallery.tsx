import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import type { Generation } from '../../../../../lib/contracts/generations';
import { Button } from '../../../components/ui/button';
import { paths } from '../../../config/paths';
import { isCancelRequested, isGenerationActive } from '../api/get-generation';
import { useGenerations } from '../api/get-generations';
import type { GalleryFilters } from '../api/generation-keys';
import { useDeleteGeneration, useRerunGeneration } from '../api/mutate-generations';
import { shortPrompt } from '../utils/describe';
import { LikenessBadge } from './gallery-likeness';
import { Lightbox, type GalleryImage } from './lightbox';

interface GalleryProps {
  filters: GalleryFilters;
  renderWorkflowLink?: (workflowId: string) => ReactNode;
}

/** Every picture, newest or most alike first, a page at a time, with its likeness; a picture opens in the viewer. */
export function Gallery({ filters, renderWorkflowLink }: GalleryProps) {
  const generations = useGenerations(filters);
  // The open picture, by id: new pictures arriving at the top must not move the viewer to another one.
  const [openId, setOpenId] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const heading = useRef<HTMLHeadingElement>(null);
  const thumbs = useRef(new Map<string, HTMLButtonElement>());
  const returnTo = useRef<string | null>(null);
  const focusHeading = useRef(false);

  const items = generations.data?.pages.flatMap((p) => p.items) ?? [];
  const images = picturesOf(items, filters);
  const others = items.filter((g) => g.status !== 'completed' || g.outputs.length === 0);
  const openIndex = openId === null ? -1 : images.findIndex((image) => image.output.id === openId);

  // After the viewer closes, focus goes back to the thumbnail that opened it (or to the heading if it is gone).
  useEffect(() => {
    if (openId !== null) return;
    if (focusHeading.current) {
      focusHeading.current = false;
      heading.current?.focus();
    } else if (returnTo.current) {
      thumbs.current.get(returnTo.current)?.focus();
    }
    returnTo.current = null;
  }, [openId]);

  return (
    <section className="gallery" aria-labelledby="gallery-title">
      <h2 id="gallery-title" ref={heading} tabIndex={-1} className="card-title">
        Pictures
      </h2>
      <p role="status" className="visually-hidden">
        {announcement}
      </p>
      {generations.isPending && <p className="muted">Loading the gallery…</p>}
      {generations.isError && (
        <div role="alert" className="inline-error">
          <p>The gallery could not be loaded. {generations.error.message}</p>
          <Button onClick={() => void generations.refetch()}>Try again</Button>
        </div>
      )}
      {generations.isSuccess && items.length === 0 && (
        <div className="empty-state">
          <p className="empty-state-title">No pictures yet</p>
          <p>
            Pictures you make on the <Link to={paths.generate}>Generate</Link> page are kept here, with the settings that made
            them{filters.characterId || filters.loraId || filters.recognisable ? '. None match these filters' : ''}.
          </p>
        </div>
      )}
      {others.length > 0 && (
        <ul className="pending-list" aria-label="In progress and unfinished">
          {others.map((g) => (
            <PendingItem key={g.id} generation={g} onDeleted={() => setAnnouncement('Deleted.')} />
          ))}
        </ul>
      )}
      {images.length > 0 && (
        <ul className="gallery-grid" aria-label={filters.sort === 'likeness' ? 'Pictures, most like the person first' : 'Pictures, newest first'}>
          {images.map((image) => {
            const alt = `${shortPrompt(image.generation.parameters.userPrompt)} (seed ${image.output.seed})`;
            return (
              <li key={image.output.id}>
                <button
                  type="button"
                  className="gallery-thumb"
                  ref={(el) => {
                    if (el) thumbs.current.set(image.output.id, el);
                    else thumbs.current.delete(image.output.id);
                  }}
                  onClick={() => {
                    returnTo.current = image.output.id;
                    setOpenId(image.output.id);
                  }}
                >
                  <img src={image.output.url} alt={alt} loading="lazy" width={image.output.width} height={image.output.height} />
                  <span className="visually-hidden">, open the viewer</span>
                </button>
                <LikenessBadge generation={image.generation} output={image.output} />
              </li>
            );
          })}
        </ul>
      )}
      {generations.hasNextPage && (
        <div className="actions gallery-more">
          <Button onClick={() => void generations.fetchNextPage()} disabled={generations.isFetchingNextPage}>
            {generations.isFetchingNextPage ? 'Loading…' : 'Show older pictures'}
          </Button>
        </div>
      )}
      {openIndex >= 0 && (
        <Lightbox
          images={images}
          index={openIndex}
          onIndexChange={(i) => {
            returnTo.current = images[i]?.output.id ?? null;
            setOpenId(images[i]?.output.id ?? null);
          }}
          onClose={(deleted) => {
            if (deleted) {
              focusHeading.current = true;
              setAnnouncement('Deleted.');
            }
            setOpenId(null);
          }}
          renderWorkflowLink={renderWorkflowLink}
        />
      )}
    </section>
  );
}

/**
 * The pictures to show, generation by generation in the page's order. Most alike first: a generation's pictures
 * too, the most alike first. Recognisable only: the API keeps the generations with a recognisable picture, and of
 * those only the recognisable pictures are shown.
 */
function picturesOf(items: Generation[], filters: GalleryFilters): GalleryImage[] {
  return items.flatMap((generation) => {
    const shown = filters.recognisable ? generation.outputs.filter((o) => o.likeness?.recognisable) : generation.outputs;
    const ordered = filters.sort === 'likeness' ? [...shown].sort((a, b) => (b.likeness?.similarity ?? -1) - (a.likeness?.similarity ?? -1)) : shown;
    return ordered.map((output) => ({ generation, output }));
  });
}

/** A generation without pictures to show: still being made, failed or cancelled. */
function PendingItem({ generation, onDeleted }: { generation: Generation; onDeleted: () => void }) {
  const rerun = useRerunGeneration();
  const remove = useDeleteGeneration();
  const prompt = shortPrompt(generation.parameters.userPrompt);
  const active = isGenerationActive(generation);
  const state = isCancelRequested(generation)
    ? 'Cancelling…'
    : generation.status === 'queued'
      ? generation.waitingFor
        ? `Queued, ${generation.waitingFor}`
        : 'Queued'
      : generation.status === 'running'
        ? `Generating, ${Math.round(generation.progress * 100)}%`
        : generation.status === 'failed'
          ? `Failed: ${generation.error?.message ?? 'no reason given'}`
          : 'Cancelled';
  return (
    <li className={`pending-item pending-item--${isCancelRequested(generation) ? 'cancelling' : generation.status}`}>
      <span className="pending-prompt">“{prompt}”</span>
      <span className="pending-state">{state}</span>
      <span className="row-actions">
        {active ? (
          <Link to={`${paths.generate}?job=${encodeURIComponent(generation.id)}`}>Follow</Link>
        ) : (
          <>
            <Button variant="quiet" onClick={() => rerun.mutate({ id: generation.id, varySeed: false })} disabled={rerun.isPending}>
              Try again<span className="visually-hidden"> “{prompt}”</span>
            </Button>
            <Button variant="quiet" className="button--quiet-danger" onClick={() => remove.mutate(generation.id, { onSuccess: onDeleted })} disabled={remove.isPending}>
              Remove<span className="visually-hidden"> “{prompt}”</span>
            </Button>
          </>
        )}
      </span>
    </li>
  );
}
