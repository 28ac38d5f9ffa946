import { PHOTO_LIMITS } from '../../../../../lib/contracts/photos';
import { Badge } from '../../../components/ui/badge';
import { Button } from '../../../components/ui/button';
import { Dropzone } from '../../../components/ui/dropzone';
import { ProgressBar } from '../../../components/ui/progress-bar';
import { formatBytes } from '../../../lib/format';
import { isActiveUpload, type UploadItem, usePhotoUploads } from '../hooks/use-photo-uploads';
import { PHOTO_ACCEPT } from '../utils/check-files';

const STATUS_TEXT: Record<UploadItem['status'], string> = {
  waiting: 'Waiting',
  uploading: 'Uploading',
  checking: 'Checking',
  added: 'Added',
  rejected: 'Rejected',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

const STATUS_TONE = {
  waiting: 'neutral',
  uploading: 'info',
  checking: 'info',
  added: 'success',
  rejected: 'danger',
  failed: 'danger',
  cancelled: 'neutral',
} as const;

/** Drop zone, file picker and one line per file with its progress and what became of it. */
export function PhotoUploader({ characterId, existingPhotos }: { characterId: string; existingPhotos: number }) {
  const uploads = usePhotoUploads(characterId, existingPhotos);
  const { items } = uploads;
  const done = items.filter((i) => !isActiveUpload(i));
  const added = items.filter((i) => i.status === 'added').length;
  const refused = items.filter((i) => i.status === 'rejected' || i.status === 'failed').length;
  const active = items.length - done.length;
  // Once everything has landed, the added files are in the grid below: keep only what needs attention here.
  const shown = active > 0 ? items : items.filter((i) => i.status !== 'added');
  const summary =
    items.length === 0
      ? ''
      : active > 0
        ? `Uploading ${active} of ${items.length} photos…`
        : `Upload finished: ${added} added${refused ? `, ${refused} not added` : ''}.`;

  return (
    <div className="uploader">
      <Dropzone buttonLabel="Choose photos" accept={PHOTO_ACCEPT} onFiles={uploads.add}>
        <p className="dropzone-title">Add photos of this person</p>
        <p className="muted">
          {PHOTO_LIMITS.recommended.min}–{PHOTO_LIMITS.recommended.max} photos work best: the face clearly visible,
          different places, clothes and expressions, at least {PHOTO_LIMITS.minShortSide} px on the shortest side. JPEG,
          PNG, WebP or HEIC, up to {formatBytes(PHOTO_LIMITS.maxFileBytes)} each.
        </p>
      </Dropzone>
      <p role="status" className="upload-summary">
        {summary}
      </p>
      {items.length > 0 && (
        <>
          <ul className="upload-list" aria-label="Uploads">
            {shown.map((item) => (
              <li key={item.key} className="upload-item">
                <div className="upload-item-head">
                  <span className="upload-name">{item.name}</span>
                  <span className="muted upload-size">{formatBytes(item.size)}</span>
                  <Badge tone={STATUS_TONE[item.status]}>{STATUS_TEXT[item.status]}</Badge>
                  {isActiveUpload(item) && (
                    <Button variant="quiet" onClick={() => uploads.cancel(item.key)}>
                      Cancel<span className="visually-hidden"> {item.name}</span>
                    </Button>
                  )}
                </div>
                {(item.status === 'uploading' || item.status === 'checking' || item.status === 'waiting') && (
                  <ProgressBar
                    label={`Upload of ${item.name}`}
                    max={item.size}
                    value={item.status === 'waiting' ? 0 : item.status === 'checking' ? item.size : Math.round(item.sent)}
                    valueText={
                      item.status === 'checking'
                        ? 'Sent; the server is checking the photo'
                        : `${Math.round((item.sent / Math.max(1, item.size)) * 100)}% sent`
                    }
                  />
                )}
                {item.reason && <p className="upload-reason">{item.reason}</p>}
              </li>
            ))}
          </ul>
          {done.length > 0 && (
            <div className="actions">
              <Button variant="quiet" onClick={uploads.clearFinished}>
                Clear finished uploads
              </Button>
            </div>
          )}
        </>
      )}
    </div>
  );
}
