import path from 'node:path';
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import type { GeneratedImage } from '../../lib/contracts/generation-report';
import type { GenerationParams } from '../../lib/contracts/generations';
import { artifactKey } from '../../lib/artifacts/keys';
import { pullIfStored } from '../../lib/artifacts/store-calls';
import { currentCorrelationId } from '../../lib/logger/correlation';
import { within } from '../../lib/storage';
import { ImageEngineError } from '../../plugins/image/interface';
import type { GpuContext } from './context';
import { beatUntilDone } from './heartbeat';
import { postReport } from './internal-report';

export interface GenerateImagesInput {
  generationId: string;
  jobId: string;
  params: GenerationParams;
}

/** A generation that found no space to write in: said plainly, and not retried (retrying cannot make room). */
const DISK_FULL_MESSAGE = 'The disk is full: the images could not be saved. Free some space, then re-run this generation.';

/** ENOSPC (or a quota's EDQUOT) anywhere in an error's causes, by code or in its words. */
function isNoSpace(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    const code = String((e as { code?: unknown }).code);
    if (code === 'ENOSPC' || code === 'EDQUOT' || /\bENOSPC\b|No space left on device/i.test(String((e as { message?: unknown }).message))) return true;
  }
  return false;
}

/** The store's key of a generation's LoRA: a registered one lives in the LoRA folder, a checkpoint in its run's folder. */
export function loraKey(lora: NonNullable<GenerationParams['lora']>): string {
  return lora.checkpoint ? artifactKey(lora.fileName) : artifactKey('models', 'loras', lora.fileName);
}

/** The live view hears of progress at most this often. */
const PROGRESS_EVERY_MS = 500;

/**
 * The GPU part of a generation (pinned to this worker, so the graph goes to and the images come from the same
 * ComfyUI): one prompt through the image engine, its images written to outputs/<generation>/ with their parameters
 * inside. The workflow records them and says how the generation ended; this worker only reports how far the
 * engine is, for the live view. A cancellation interrupts the prompt in the engine at once.
 */
export function createGenerateImages(ctx: GpuContext) {
  return async function generateImages(input: GenerateImagesInput): Promise<GeneratedImage[]> {
    const { generationId, jobId } = input;
    await ctx.gpu.assertUsableFor('image');
    const activity = Context.current();
    const root = ctx.config.storage.root;
    let progress = 0;
    let reported = 0;
    let reporting = false;
    const reportProgress = () => {
      if (reporting || progress === reported) return;
      reporting = true;
      const sent = progress;
      postReport(ctx.config, `/internal/generations/${generationId}/progress`, { workerId: ctx.workerId, progress: sent }, 5_000)
        .then((answer) => answer.ok && (reported = sent))
        .catch(() => undefined)
        .finally(() => (reporting = false));
    };
    ctx.leases.touch(jobId);
    const stopBeating = beatUntilDone(
      () => ({ progress }),
      () => ctx.leases.touch(jobId),
    );
    const progressTimer = setInterval(reportProgress, PROGRESS_EVERY_MS);
    const signal = activity.cancellationSignal;
    // The LoRA stays in this host's cache while the engine loads it.
    const release = ctx.artifacts.hold(input.params.lora ? [loraKey(input.params.lora)] : []);
    try {
      if (input.params.lora) await pullLora(ctx, input.params.lora, signal);
      const outputs = await ctx.engines.imageEngine().generate(
        {
          generationId,
          params: input.params,
          outputDir: within(root, 'outputs', generationId),
          correlationId: currentCorrelationId(),
        },
        (fraction) => (progress = Math.round(fraction * 1000) / 1000),
        signal,
      );
      const images = outputs.map(({ path: file, ...image }) => ({ ...image, filePath: path.relative(root, file) }));
      for (const image of images) await ctx.artifacts.push(artifactKey(image.filePath), { signal });
      return images;
    } catch (err) {
      if (signal.aborted) throw signal.reason instanceof CancelledFailure ? signal.reason : new CancelledFailure('Cancelled');
      if (err instanceof ImageEngineError) {
        throw ApplicationFailure.create({ message: err.message, type: err.code, nonRetryable: !err.retryable });
      }
      // Whatever write on this path ran out of space: the plain reason, at once (the workflow then gives the GPU
      // slot back and records the failure), never a raw "ENOSPC: no space left on device, write" after retries.
      if (isNoSpace(err)) throw ApplicationFailure.create({ message: DISK_FULL_MESSAGE, type: 'disk_full', nonRetryable: true, cause: err instanceof Error ? err : undefined });
      throw err;
    } finally {
      release();
      stopBeating();
      clearInterval(progressTimer);
    }
  };
}

/**
 * Brings the LoRA to this host. One the store does not have is left to the engine, which says plainly that it is
 * missing (a checkpoint the trainer has pruned, a LoRA file removed by hand).
 */
async function pullLora(ctx: GpuContext, lora: NonNullable<GenerationParams['lora']>, signal: AbortSignal): Promise<void> {
  await pullIfStored(ctx.artifacts, loraKey(lora), { signal });
}

/**
 * `generateAndRecord`, for generations the previous release started (workflows/legacy/): the same generation,
 * answered the way that release's workflow expects. The workflow records the images itself (`recorded: false`);
 * the slot it no longer releases is freed once its workflow has ended (slot-reclaimer.ts).
 */
export function createGenerateAndRecord(ctx: GpuContext) {
  const generate = createGenerateImages(ctx);
  return async function generateAndRecord(input: GenerateImagesInput): Promise<{ images: GeneratedImage[]; recorded: boolean }> {
    return { images: await generate(input), recorded: false };
  };
}
