import { useState } from 'react';
import { useNavigate } from 'react-router';
import type { Generation } from '../../../../../lib/contracts/generations';
import { Button } from '../../../components/ui/button';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog';
import { paths } from '../../../config/paths';
import { useDeleteOutputs, useRerunOutput, useSetFavourite } from '../api/mutate-outputs';
import { settingsFromPicture } from '../params/generation-params';
import type { ReuseState } from './generate-form';
import type { GalleryImage } from './lightbox';

interface PictureActionsProps {
  image: GalleryImage;
  /** A new generation was started from this picture (re-run or variation). */
  onStarted: (generation: Generation) => void;
  /** The picture was deleted. */
  onDeleted: () => void;
  /** Said after each button's name for screen readers, to tell the tiles' menus apart ("“a lighthouse”, seed 42"). */
  which?: string;
}

/**
 * What can be done with one picture of a batch: make it again exactly (its own seed), vary it (a new seed), take its
 * settings to the Generate form, delete it alone. Shared by the viewer and the tiles' menus.
 */
export function PictureActions({ image, onStarted, onDeleted, which }: PictureActionsProps) {
  const { generation, output } = image;
  const navigate = useNavigate();
  const rerun = useRerunOutput();
  const remove = useDeleteOutputs();
  const [confirming, setConfirming] = useState(false);
  const hidden = which ? <span className="visually-hidden"> {which}</span> : null;

  return (
    <>
      <Button onClick={() => rerun.mutate({ id: output.id, mode: 'exact' }, { onSuccess: onStarted })} disabled={rerun.isPending}>
        Re-run exactly{hidden}
      </Button>
      <Button onClick={() => rerun.mutate({ id: output.id, mode: 'vary' }, { onSuccess: onStarted })} disabled={rerun.isPending}>
        Vary seed{hidden}
      </Button>
      <Button
        onClick={() => {
          const state: ReuseState = { reuse: settingsFromPicture(generation.parameters, output.seed, generation.characterId) };
          void navigate(paths.generate, { state });
        }}
      >
        Use these settings{hidden}
      </Button>
      <Button variant="quiet" className="button--quiet-danger" onClick={() => setConfirming(true)}>
        Delete{hidden}
      </Button>
      {rerun.isError && (
        <p role="alert" className="form-error picture-actions-error">
          {rerun.error.message}
        </p>
      )}
      {confirming && (
        <ConfirmDialog
          title="Delete this picture?"
          confirmLabel="Delete"
          pendingLabel="Deleting…"
          pending={remove.isPending}
          error={remove.error?.message}
          onClose={() => {
            if (!remove.isPending) setConfirming(false);
          }}
          onConfirm={() =>
            remove.mutate([output.id], {
              onSuccess: () => {
                setConfirming(false);
                onDeleted();
              },
            })
          }
        >
          <p>
            The picture and its file are deleted{generation.outputs.length > 1 ? '; the other pictures of its batch stay' : ''}. This cannot be
            undone.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}

/** The star that marks a picture a favourite, or not. */
export function FavouriteToggle({ output, which, className }: { output: GalleryImage['output']; which: string; className?: string }) {
  const favourite = useSetFavourite();
  // Shows the change at once; the gallery's refresh brings the server's answer.
  const on = favourite.isPending ? favourite.variables.favourite : output.favourite;
  return (
    <button
      type="button"
      className={['favourite-toggle', on ? 'favourite-toggle--on' : '', className].filter(Boolean).join(' ')}
      aria-pressed={on}
      title={on ? 'A favourite: click to unmark' : 'Mark as a favourite'}
      onClick={() => favourite.mutate({ id: output.id, favourite: !on })}
    >
      <span aria-hidden="true">{on ? '★' : '☆'}</span>
      <span className="visually-hidden">Favourite {which}</span>
    </button>
  );
}

/** What a new picture started from another is, in words: "a new picture (seed 42)". */
export function startedText(started: Generation): string {
  const { seed, batch } = started.parameters;
  return batch === 1 ? `a new picture (seed ${seed})` : `${batch} new pictures (seeds ${seed}–${seed + batch - 1})`;
}
