import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { Character } from '../../../../../lib/contracts/characters';
import { TRIGGER_TAG } from '../../../../../lib/contracts/photos';
import { Button } from '../../../components/ui/button';
import { photoReadiness, photosQueryOptions } from '../../../lib/queries/photos';
import { CaptionBulkEdits } from './caption-bulk-edits';
import { PhotoGrid } from './photo-grid';
import { PhotoUploader } from './photo-uploader';
import { ReadinessMeter } from './readiness-meter';
import { WriteCaptions } from './write-captions';

/** How often the photos are read again while some are still being checked. */
const CHECKING_POLL_MS = 1500;

/** Everything about a character's photos: how ready they are, adding more, and each photo's checks and caption. */
export function PhotosSection({ character }: { character: Character }) {
  // The checks that need faces finish after the upload: while any photo is being checked, look again every moment.
  const photos = useQuery({
    ...photosQueryOptions(character.id),
    refetchInterval: (query) => (query.state.data?.items.some((p) => p.analysis === 'pending') ? CHECKING_POLL_MS : false),
  });
  // Photos chosen for "Write captions"; none chosen means all of them.
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const toggle = (id: string, on: boolean) =>
    setSelected((current) => {
      const next = new Set(current);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  const liveIds = new Set(photos.data?.items.map((p) => p.id));
  const selectedIds = [...selected].filter((id) => liveIds.has(id));
  return (
    <section className="card" aria-labelledby="photos-title">
      <h2 id="photos-title" className="card-title">
        Photos
      </h2>
      {photos.isPending && <p className="muted">Loading photos…</p>}
      {photos.isError && (
        <div role="alert" className="inline-error">
          <p>The photos could not be loaded. {photos.error.message}</p>
          <Button onClick={() => void photos.refetch()}>Try again</Button>
        </div>
      )}
      {photos.isSuccess && (
        <>
          <ReadinessMeter readiness={photoReadiness(photos.data.items)} />
          <PhotoUploader characterId={character.id} existingPhotos={photos.data.items.length} />
          {photos.data.items.length > 0 && (
            <>
              <h3 className="section-title">Your photos</h3>
              <p className="muted captions-help">
                Each photo has a caption that describes it for training. <code>{TRIGGER_TAG}</code> stands for the trigger
                word <code>{character.triggerWord}</code>: keep it in every caption, and describe what is not the person
                (the place, the clothes) so the model does not mistake them for the person. Hover or focus a mark to see
                what was measured.
              </p>
              <WriteCaptions characterId={character.id} selectedIds={selectedIds} onDone={() => setSelected(new Set())} />
              <CaptionBulkEdits characterId={character.id} />
              <PhotoGrid photos={photos.data.items} selection={{ ids: selected, toggle }} />
            </>
          )}
        </>
      )}
    </section>
  );
}
