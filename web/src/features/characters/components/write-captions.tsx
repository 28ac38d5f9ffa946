import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState } from 'react';
import { Link } from 'react-router';
import { CAPTION_STYLES, type CaptionJob, type CaptionStyle } from '../../../../../lib/contracts/captions';
import { Button } from '../../../components/ui/button';
import { paths } from '../../../config/paths';
import { ApiError } from '../../../lib/api-client';
import { ProgressBar } from '../../../components/ui/progress-bar';
import { photoKeys } from '../../../lib/queries/photos';
import { isActiveCaptionJob, useCancelCaptions, useLatestCaptionJob, useStartCaptions } from '../api/captions';

const STYLE_LABELS: Record<CaptionStyle, string> = { short: 'Short (one line)', detailed: 'Detailed (a few sentences)' };

/** The start was refused because the captioning model is not downloaded yet (production mode). */
const needsModelDownload = (error: Error | null) =>
  error instanceof ApiError && typeof error.details === 'object' && error.details !== null && 'modelsPage' in error.details;

function outcomeText(job: CaptionJob): string {
  const kept = job.skipped > 0 ? ` ${job.skipped} kept as you wrote them.` : '';
  if (job.status === 'completed') return `Captions written for ${job.done} photo${job.done === 1 ? '' : 's'}.${kept}`;
  if (job.status === 'cancelled') return `Stopped: ${job.done} caption${job.done === 1 ? '' : 's'} written before.`;
  return '';
}

/**
 * "Write captions": for all photos (captions you wrote stay) or only the selected ones (rewritten), in the chosen
 * style, with the job's progress while it runs. The captions appear in the boxes as they are written.
 */
export function WriteCaptions({ characterId, selectedIds, onDone }: { characterId: string; selectedIds: string[]; onDone: () => void }) {
  const styleId = useId();
  const [style, setStyle] = useState<CaptionStyle>('short');
  const latest = useLatestCaptionJob(characterId);
  const start = useStartCaptions(characterId);
  const cancel = useCancelCaptions(characterId);
  const queryClient = useQueryClient();
  const job = latest.data?.job ?? null;
  const active = isActiveCaptionJob(job);

  // As batches are recorded, and once the job ends, the photos (their captions) are read again.
  const lastDone = useRef<string>('');
  const progressKey = job ? `${job.id}:${job.status}:${job.done}` : '';
  useEffect(() => {
    if (!job || progressKey === lastDone.current) return;
    lastDone.current = progressKey;
    void queryClient.invalidateQueries({ queryKey: photoKeys.ofCharacter(characterId) });
  }, [progressKey, job, queryClient, characterId]);

  const which = selectedIds.length > 0 ? `${selectedIds.length} selected photo${selectedIds.length === 1 ? '' : 's'}` : 'all photos';
  return (
    <div className="caption-tools" aria-label="Write captions" role="group">
      <label htmlFor={styleId} className="field-label">
        Caption style
      </label>
      <select id={styleId} value={style} onChange={(e) => setStyle(e.target.value as CaptionStyle)} disabled={active}>
        {CAPTION_STYLES.map((s) => (
          <option key={s} value={s}>
            {STYLE_LABELS[s]}
          </option>
        ))}
      </select>
      <Button
        variant="primary"
        disabled={active || start.isPending}
        onClick={() =>
          start.mutate(selectedIds.length > 0 ? { style, photoIds: selectedIds } : { style }, { onSuccess: () => onDone() })
        }
      >
        {start.isPending ? 'Starting…' : `Write captions (${which})`}
      </Button>
      {active && job && (
        <>
          <ProgressBar
            label="Writing captions"
            max={Math.max(job.total, 1)}
            value={job.status === 'queued' ? undefined : job.done}
            valueText={job.status === 'queued' ? 'Waiting for the GPU' : `${job.done} of ${job.total}`}
          />
          <span className="muted">{job.status === 'queued' ? 'Waiting for the GPU…' : `Writing captions… ${job.done} of ${job.total}`}</span>
          <Button variant="quiet" disabled={cancel.isPending} onClick={() => cancel.mutate(job.id)}>
            Stop writing captions
          </Button>
        </>
      )}
      <p role="status" className={job?.status === 'failed' ? 'form-error' : 'muted'}>
        {job && !active ? (job.status === 'failed' ? `Captions could not be written: ${job.error ?? 'unknown reason'}` : outcomeText(job)) : ''}
      </p>
      {(start.error ?? cancel.error) && (
        <p role="alert" className="form-error">
          {(start.error ?? cancel.error)!.message}
          {needsModelDownload(start.error) && (
            <>
              {' '}
              <Link to={paths.models}>Open the Models page</Link>
            </>
          )}
        </p>
      )}
    </div>
  );
}
