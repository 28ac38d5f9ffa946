import path from 'node:path';
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import type { GeneratedImage, GenerationOutcome, GenerationOutputsReport } from '../../lib/contracts/generation-report';
import type { GenerationParams } from '../../lib/contracts/generations';
import type { AcquireGpuInput } from '../../lib/temporal/gpu-contracts';
import { internalToken } from '../../lib/internal-token';
import { CORRELATION_HEADER, currentCorrelationId } from '../../lib/logger/correlation';
import { within } from '../../lib/storage';
import { ImageEngineError } from '../../plugins/image/interface';
import type { GpuContext } from './context';
import { postReport } from './internal-report';
import { GenerationRun, type StartEngine } from './generation-runs';

export interface GenerateImagesInput {
  generationId: string;
  jobId: string;
  params: GenerationParams;
}

const HEARTBEAT_EVERY_MS = 2_000;

/**
 * Tells the control plane about a generation; true when it took the report. Never throws: a report that does not
 * get through is sent again (running, progress) or made by the workflow instead (outputs).
 */
async function report(ctx: GpuContext, generationId: string, what: 'running' | 'progress' | 'outputs', body: object): Promise<boolean> {
  const correlationId = currentCorrelationId();
  try {
    const answer = await postReport(`${ctx.config.controlPlaneUrl}/internal/generations/${generationId}/${what}`, internalToken(ctx.config), body, {
      timeoutMs: 5_000,
      // The control plane logs what it records under the job's correlation id.
      headers: correlationId ? { [CORRELATION_HEADER]: correlationId } : {},
    });
    return answer.ok;
  } catch {
    return false;
  }
}

/** Starts this worker's image engine on a generation; its images go to outputs/<generation>/. */
export function imageEngineStart(ctx: GpuContext, generation: NonNullable<AcquireGpuInput['generation']>): StartEngine {
  const job = {
    generationId: generation.generationId,
    params: generation.params,
    outputDir: within(ctx.config.storage.root, 'outputs', generation.generationId),
    correlationId: currentCorrelationId(),
  };
  return (onProgress, signal) => ctx.engines.imageEngine().generate(job, onProgress, signal);
}

/**
 * The GPU part of a generation: one prompt through the image engine (pinned to this worker, so submit and collect
 * hit the same ComfyUI; started as the job took its slot here, else now), images written to outputs/<generation>/
 * with their parameters inside, the slot given back.
 * The control plane hears from here that the generation runs (once the engine has accepted the prompt), how far it
 * is, and its images, so the person sees each as it happens rather than after the workflow's round trips. On
 * success the slot is free again, and the answer says whether the control plane recorded the images (the workflow
 * records them itself if not). Cancellation interrupts the engine.
 */
export function createGenerateAndRecord(ctx: GpuContext) {
  return async function generateAndRecord(input: GenerateImagesInput): Promise<GenerationOutcome> {
    const { generationId, jobId } = input;
    ctx.leases.touch(jobId);
    // Explicitly this activity's: the engine's progress may come from a run started in another activity's context.
    const activity = Context.current();
    const root = ctx.config.storage.root;
    // Started when this worker took the job's slot (see acquire.ts), or now: a retry, or an earlier workflow.
    const run = ctx.earlyGenerations.claim(jobId) ?? new GenerationRun(imageEngineStart(ctx, input));
    let progress = 0;
    let lastSent = 0;
    // Sent once the engine has the prompt, and again with the next heartbeat until the control plane took it.
    let running: Promise<void> | undefined;
    let runningRecorded = false;
    const sayRunning = () => {
      running ??= report(ctx, generationId, 'running', { workerId: ctx.workerId }).then((ok) => {
        runningRecorded = ok;
        if (!ok) running = undefined;
      });
    };
    let accepted = false;
    activity.heartbeat({ progress });
    const beat = setInterval(() => {
      activity.heartbeat({ progress });
      ctx.leases.touch(jobId);
      if (accepted && !runningRecorded) sayRunning();
      if (runningRecorded && progress !== lastSent) {
        lastSent = progress;
        void report(ctx, generationId, 'progress', { workerId: ctx.workerId, progress });
      }
    }, HEARTBEAT_EVERY_MS);
    let cancelled: unknown;
    activity.cancelled.catch((err: unknown) => {
      cancelled = err;
      run.abort(err);
    });
    try {
      run.follow((fraction) => {
        if (!accepted) {
          accepted = true;
          sayRunning();
        }
        progress = Math.round(fraction * 1000) / 1000;
        activity.heartbeat({ progress });
      });
      const outputs = await run.outcome;
      // The images are on disk, so the GPU can take the next job now instead of after the workflow's round trip
      // to release it. Only on success: a failed attempt may be retried here.
      if (ctx.leases.release(jobId)) {
        ctx.logger.info('gpu.released', `GPU slot released by ${jobId}: images ready`, { jobId, workerId: ctx.workerId });
      }
      const images: GeneratedImage[] = outputs.map(({ path: file, ...image }) => ({ ...image, filePath: path.relative(root, file) }));
      await running;
      const outputsReport: GenerationOutputsReport = { workerId: ctx.workerId, images };
      return { images, recorded: await report(ctx, generationId, 'outputs', outputsReport) };
    } catch (err) {
      if (cancelled) throw cancelled instanceof CancelledFailure ? cancelled : new CancelledFailure(String(cancelled));
      if (err instanceof ImageEngineError) {
        throw ApplicationFailure.create({ message: err.message, type: err.code, nonRetryable: !err.retryable });
      }
      throw err;
    } finally {
      clearInterval(beat);
    }
  };
}

/** `generateImages`: the same, answering only the images, for the workflows of earlier versions that schedule it. */
export function createGenerateImages(ctx: GpuContext) {
  const generate = createGenerateAndRecord(ctx);
  return async function generateImages(input: GenerateImagesInput): Promise<GeneratedImage[]> {
    return (await generate(input)).images;
  };
}
