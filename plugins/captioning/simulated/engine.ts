import { setTimeout as sleep } from 'node:timers/promises';
import type { EngineStatus } from '../../engine';
import { CaptionEngineError, type CaptionResult, type CaptioningEngine } from '../interface';
import { captionFor, lookAt } from './describe';
import { SIMULATED_CAPTIONER } from './meta';

/** Time per photo, so progress can be seen moving as on a real GPU (a few photos a second). */
const PER_PHOTO_MS = 150;

/**
 * The fast-test captioner (design §5, simulators): no model, but honest captions from the photo's own pixels, so
 * the flow (the job, its progress, the captions it writes) is real.
 */
export function createSimulatedCaptioner(perPhotoMs = PER_PHOTO_MS): CaptioningEngine {
  return {
    ...SIMULATED_CAPTIONER,
    kind: 'captioning',
    async check(): Promise<EngineStatus> {
      return { kind: 'captioning', id: SIMULATED_CAPTIONER.id, label: SIMULATED_CAPTIONER.label, state: 'simulated', message: 'Simulator: describes colours, orientation, framing and light from the pixels' };
    },
    async caption(job, onCaption, signal) {
      const results: CaptionResult[] = [];
      for (const image of job.images) {
        signal.throwIfAborted();
        let caption: string;
        try {
          caption = captionFor(await lookAt(image), job.style);
        } catch (err) {
          throw new CaptionEngineError('engine_error', `Could not read the photo ${image.id}: ${err instanceof Error ? err.message : String(err)}`, false);
        }
        await sleep(perPhotoMs, undefined, { signal });
        const result = { id: image.id, caption };
        onCaption(result);
        results.push(result);
      }
      return results;
    },
  };
}
