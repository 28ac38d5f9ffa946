import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import { MAX_BULK_OUTPUTS, type Generation } from '../../../../../lib/contracts/generations';
import { Button } from '../../../components/ui/button';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog';
import { paths } from '../../../config/paths';
import { isCancelRequested, isGenerationActive } from '../api/get-generation';
import { useGenerations } from '../api/get-generations';
import type { GalleryFilters } from '../api/generation-keys';
import { useDeleteGeneration, useRerunGeneration } from '../api/mutate-generations';
import { archiveUrl, useDeleteOutputs } from '../api/mutate-outputs';
import { isFiltered } from '../utils/gallery-url';
import { shortPrompt } from '../utils/describe';
import { LikenessBadge } from './gallery-likeness';
import { Lightbox, type GalleryImage } from './lightbox';
import { FavouriteToggle, PictureActions, startedText } from './picture-actions';
import './generation.css';

interface GalleryProps {
  filters: GalleryFilters;
  renderWorkflowLink?: (workflowId: string) => ReactNode;
}

/**
 * Every picture, newest or most alike first, a page at a time, with its prompt, its likeness and a favourite star; a
 * picture opens in the viewer, its menu has its own actions, and chosen pictures download as a zip or go at once.
 */
export function Gallery({ filters, renderWorkflowLink }: GalleryProps) {
  const generations = useGenerations(filters);
  // The open picture, by id: new pictures arriving at the top must not move the viewer to another one.
  const [openId, setOpenId] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const [started, setStarted] = useState<Generation | null>(null);
  const selection = useSelection();
  const heading = useRef<HTMLHeadingElement>(null);
  const thumbs = useRef(new Map<string, HTMLButtonElement>());
  const returnTo = useRef<string | null>(null);
  const focusHeading = useRef(false);

  const items = generations.data?.pages.flatMap((p) => p.items) ?? [];
  const images = picturesOf(items, filters);
  const others = items.filter((g) => g.status !== 'completed' || g.outputs.length === 0);
  const openIndex = openId === null ? -1 : images.findIndex((image) => image.output.id === openId);
  const order = images.map((image) => image.output.id);
  const selected = selection.ids.filter((id) => order.includes(id));

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
      <p role="status" className="form-status gallery-notice">
        {started && (
          <>
            Started {startedText(started)}: it appears first in the gallery.{' '}
            <Link to={`${paths.generate}?job=${encodeURIComponent(started.id)}`}>Follow it</Link>
          </>
        )}
      </p>
      {selected.length > 0 && (
        <SelectionBar
          ids={selected}
          onClear={() => selection.clear()}
          onDeleted={(count) => {
            selection.clear();
            setAnnouncement(count === 1 ? 'Deleted 1 picture.' : `Deleted ${count} pictures.`);
          }}
        />
      )}
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
            them{isFiltered(filters) ? '. None match these filters' : ''}.
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
          {images.map((image, position) => {
            const alt = `${shortPrompt(image.generation.parameters.userPrompt)} (seed ${image.output.seed})`;
            const which = `“${shortPrompt(image.generation.parameters.userPrompt, 40)}” (seed ${image.output.seed})`;
            const isSelected = selected.includes(image.output.id);
            return (
              <li key={image.output.id} className={isSelected ? 'gallery-tile gallery-tile--selected' : 'gallery-tile'}>
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
                <label className="tile-select" title="Select (Shift: a range)">
                  <input
                    type="checkbox"
                    checked={isSelected}
                    onChange={(event) => selection.toggle(order, position, (event.nativeEvent as MouseEvent).shiftKey === true)}
                  />
                  <span className="visually-hidden">Select {which}</span>
                </label>
                <FavouriteToggle output={image.output} which={which} className="tile-favourite" />
                <p className="tile-prompt" title={image.generation.parameters.userPrompt}>
                  {image.generation.parameters.userPrompt}
                </p>
                <div className="tile-footer">
                  <LikenessBadge generation={image.generation} output={image.output} />
                  <TileMenu
                    image={image}
                    which={which}
                    onStarted={setStarted}
                    onDeleted={() => {
                      heading.current?.focus();
                      setAnnouncement('Deleted.');
                    }}
                  />
                </div>
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

/** Which pictures are chosen for a bulk action: a click toggles one, Shift+click sets the range from the last click. */
function useSelection() {
  const [ids, setIds] = useState<string[]>([]);
  const anchor = useRef<string | null>(null);
  return {
    ids,
    clear: () => {
      setIds([]);
      anchor.current = null;
    },
    toggle: (order: string[], position: number, range: boolean) => {
      const id = order[position]!;
      const from = anchor.current === null ? -1 : order.indexOf(anchor.current);
      setIds((current) => {
        const on = !current.includes(id);
        const span = range && from >= 0 ? order.slice(Math.min(from, position), Math.max(from, position) + 1) : [id];
        return on ? [...new Set([...current, ...span])] : current.filter((c) => !span.includes(c));
      });
      anchor.current = id;
    },
  };
}

/** "n selected", with what can be done to them all at once. */
function SelectionBar({ ids, onClear, onDeleted }: { ids: string[]; onClear: () => void; onDeleted: (count: number) => void }) {
  const remove = useDeleteOutputs();
  const [confirming, setConfirming] = useState(false);
  const tooMany = ids.length > MAX_BULK_OUTPUTS;
  const count = ids.length === 1 ? '1 picture' : `${ids.length} pictures`;
  return (
    <div className="selection-bar" role="region" aria-label="Selected pictures">
      <span className="selection-count">{ids.length} selected</span>
      {tooMany ? (
        <span className="muted">At most {MAX_BULK_OUTPUTS} at once: choose fewer.</span>
      ) : (
        <>
          <a className="button button--primary" href={archiveUrl(ids)} download>
            Download zip
          </a>
          <Button variant="quiet" className="button--quiet-danger" onClick={() => setConfirming(true)}>
            Delete
          </Button>
        </>
      )}
      <Button variant="quiet" onClick={onClear}>
        Clear
      </Button>
      {confirming && (
        <ConfirmDialog
          title={`Delete ${count}?`}
          confirmLabel={`Delete ${count}`}
          pendingLabel="Deleting…"
          pending={remove.isPending}
          error={remove.error?.message}
          onClose={() => {
            if (!remove.isPending) setConfirming(false);
          }}
          onConfirm={() =>
            remove.mutate(ids, {
              onSuccess: () => {
                setConfirming(false);
                onDeleted(ids.length);
              },
            })
          }
        >
          <p>The {count} and {ids.length === 1 ? 'its file are' : 'their files are'} deleted. This cannot be undone.</p>
        </ConfirmDialog>
      )}
    </div>
  );
}

/** A tile's own menu: the picture's actions without opening the viewer. */
function TileMenu({ image, which, onStarted, onDeleted }: { image: GalleryImage; which: string; onStarted: (g: Generation) => void; onDeleted: () => void }) {
  const menu = useRef<HTMLDetailsElement>(null);
  // Its buttons exist only while it is open: a page of tiles stays light.
  const [open, setOpen] = useState(false);
  const close = () => {
    if (menu.current) menu.current.open = false;
  };
  // Closes as menus do: on Escape (back to its button) and on a click elsewhere; a dialog it opened handles its own.
  useEffect(() => {
    if (!open) return;
    const element = menu.current;
    const dialogOpen = () => element?.querySelector('dialog[open]') !== null;
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape' || dialogOpen()) return;
      close();
      element?.querySelector('summary')?.focus();
    };
    const onPointer = (event: PointerEvent) => {
      if (!dialogOpen() && event.target instanceof Node && !element?.contains(event.target)) close();
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('pointerdown', onPointer);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('pointerdown', onPointer);
    };
  }, [open]);
  return (
    <details className="tile-menu" ref={menu} onToggle={(event) => setOpen(event.currentTarget.open)}>
      <summary title="More actions">
        <span aria-hidden="true">⋯</span>
        <span className="visually-hidden">Actions for {which}</span>
      </summary>
      {open && (
      <div className="tile-menu-list">
        <a className="button" href={image.output.url} download={`isengard-${image.output.seed}.png`} onClick={close}>
          Download<span className="visually-hidden"> {which}</span>
        </a>
        <PictureActions
          image={image}
          which={which}
          onStarted={(generation) => {
            close();
            onStarted(generation);
          }}
          onDeleted={onDeleted}
        />
      </div>
      )}
    </details>
  );
}
