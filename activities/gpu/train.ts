import path from 'node:path';
import { activityInfo, ApplicationFailure, CancelledFailure, Context, heartbeat } from '@temporalio/activity';
import type { TrainingSettings } from '../../lib/contracts/training';
import { currentCorrelationId } from '../../lib/logger/correlation';
import { createLogger } from '../../lib/logger/logger';
import { artifactKey } from '../../lib/artifacts/keys';
import { within } from '../../lib/storage';
import type { TrainingEngineEvent, TrainingOutcome } from '../../plugins/training/interface';
import type { GpuContext } from './context';
import { beatUntilDone } from './heartbeat';
import { pullNewestCheckpoint } from './training-files';
import { FencedError, TrainingReporter } from './training-reporter';

export interface RunTrainingInput {
  runId: string;
  jobId: string;
  /** The engine start this is (fencing: the control plane refuses reports from older ones). */
  attempt: number;
  name: string;
  settings: TrainingSettings;
  triggerWord: string;
  /** Relative to the data root. */
  datasetDir: string;
  vramProfile: 'standard' | 'low';
}

export interface RunTrainingResult {
  /** The final LoRA file, relative to the data root. */
  checkpoint: string;
  step: number;
  resumedFromStep: number | null;
}

/** Heartbeat details: also what a retry or another worker resumes from (design §4). */
export interface TrainingHeartbeat {
  step: number;
  totalSteps: number;
  lastCheckpointStep: number | null;
  loss: number | null;
}

/** Stopped with a checkpoint kept: the workflow registers it. */
export const STOPPED_WITH_CHECKPOINT = 'TrainingStopped';

/**
 * The long GPU activity of `trainLora`: runs the training engine (through the plugin registry) in a folder of its
 * own, resuming from the newest checkpoint of earlier starts; heartbeats; sends progress to the control plane;
 * on cancellation (Stop, or the worker shutting down) asks the engine to save and stop, then kills it.
 */
export function createRunTraining(ctx: GpuContext) {
  return async function runTraining(input: RunTrainingInput): Promise<RunTrainingResult> {
    await ctx.gpu.assertUsableFor('training');
    const root = ctx.config.storage.root;
    const correlationId = currentCorrelationId();
    const logger = ctx.logger.child({ context: { runId: input.runId } });
    ctx.leases.touch(input.jobId);

    const runDir = within(root, 'training', input.runId);
    const subprocessLog = (stream: 'stdout' | 'stderr') =>
      createLogger({
        service: 'worker',
        file: path.join('subprocess', `${input.runId}.${stream}`),
        level: 'DEBUG',
        dir: ctx.config.log.dir,
        secrets: ctx.config.secrets,
        maxFileBytes: ctx.config.log.maxFileBytes,
      }).child({ correlationId });

    const state: TrainingHeartbeat = { step: 0, totalSteps: input.settings.steps, lastCheckpointStep: null, loss: null };
    let resumedFromStep: number | null = null;
    const relative = (file: string) => path.relative(root, file);
    const store = ctx.artifacts;
    const signal = Context.current().cancellationSignal;
    // What the engine writes is stored one file after another, in the order it appeared; a checkpoint counts as the
    // one to resume from (heartbeat, report) only once stored, and a sample is reported once another host can read it.
    // Not cut short by a cancellation: the checkpoint saved before a Stop or a shutdown is the one to keep.
    let storing: Promise<void> = Promise.resolve();
    const stored = new Set<string>();
    const storeThen = (file: string, then: () => void | Promise<void>) => {
      const key = artifactKey(relative(file));
      storing = storing
        .then(() => store.push(key))
        .then(() => {
          stored.add(key);
          return then();
        })
        .catch((err: unknown) => logger.warn('training.store_failed', `Could not store ${relative(file)}: ${(err as Error).message}`, { runId: input.runId }));
    };
    /** Removes keys from the store (from within the chain: after what was stored before). */
    const unstore = async (keys: string[]) => {
      for (const key of keys) {
        await store.remove(key).catch((err: unknown) => logger.warn('training.unstore_failed', `Could not remove ${key} from the store: ${(err as Error).message}`, { runId: input.runId }));
      }
    };
    // A save the engine pruned leaves the store once the checkpoint after it is stored, so the store keeps what the
    // engine keeps; only the newest save's optimizer state is kept (a resume takes the newest checkpoint).
    const pruned: string[] = [];
    let storedState: string | null = null;

    /** The dataset, and on a host without the run's newest checkpoint that checkpoint, before the engine starts. */
    const pullInputs = async () => {
      await store.pullFolder(input.datasetDir, { signal });
      return pullNewestCheckpoint(store, ctx.engines.trainingEngine(), { runId: input.runId, name: input.name, runDir }, { signal });
    };

    let session: Awaited<ReturnType<ReturnType<typeof ctx.engines.trainingEngine>['start']>> | undefined;
    const graceMs = ctx.config.shutdownGraceSeconds * 1000;
    const reporter = new TrainingReporter({
      config: ctx.config,
      runId: input.runId,
      workerId: ctx.workerId,
      attempt: input.attempt,
      logger,
      onFenced: () => void session?.stop({ saveFirst: false, graceMs }),
    });

    const onEvent = (event: TrainingEngineEvent) => {
      ctx.leases.touch(input.jobId);
      switch (event.type) {
        case 'phase':
          reporter.update({ phase: event.phase }, true);
          break;
        case 'progress':
          state.step = event.step;
          state.totalSteps = event.totalSteps;
          if (event.loss !== null) state.loss = event.loss;
          reporter.update({
            step: event.step,
            totalSteps: event.totalSteps,
            itPerSec: event.itPerSec,
            etaSeconds: event.remainingSeconds,
            losses: event.loss !== null ? [[event.step, event.loss]] : [],
          });
          heartbeat(state);
          break;
        case 'checkpoint':
          storeThen(event.path, () => {
            state.lastCheckpointStep = Math.max(state.lastCheckpointStep ?? 0, event.step);
            reporter.update({ lastCheckpointStep: state.lastCheckpointStep }, true);
            heartbeat(state);
            return unstore(pruned.splice(0));
          });
          break;
        case 'pruned':
          pruned.push(artifactKey(relative(event.path)));
          break;
        case 'resumeState': {
          const earlier = storedState;
          storedState = artifactKey(relative(event.path));
          storeThen(event.path, () => unstore(earlier ? [earlier] : []));
          break;
        }
        case 'kept':
          storeThen(event.path, () =>
            reporter.update({ events: [{ kind: 'checkpoint_kept', message: `Checkpoint at step ${event.step} saved on request: it is kept for the life of the run` }] }, true),
          );
          break;
        case 'sample':
          storeThen(event.path, () =>
            reporter.update({ samples: [{ step: event.step, promptIndex: event.promptIndex, prompt: event.prompt, filePath: relative(event.path) }] }, true),
          );
          break;
        case 'resumed':
          resumedFromStep = event.step;
          state.step = event.step;
          reporter.update({ step: event.step, events: [{ kind: 'resumed', message: `Resumed from the checkpoint at step ${event.step}` }] }, true);
          break;
        case 'notice':
          reporter.update({ events: [{ kind: event.kind, message: event.message }] }, true);
          break;
      }
    };

    const tryNumber = activityInfo().attempt;
    if (tryNumber > 1) {
      reporter.update({ events: [{ kind: 'retry', message: `Restarted the trainer (try ${tryNumber}) after it or its worker stopped` }] });
    }
    // ComfyUI on this GPU lets go of its models first: the trainer needs all the memory.
    const freeingSince = Date.now();
    await ctx.engines.imageEngine().freeVram();
    const freedMs = Date.now() - freeingSince;
    logger.info('gpu.vram_freed', `The image engine let go of its GPU memory for the trainer in ${freedMs} ms`, { durationMs: freedMs });
    reporter.start();
    // Beat from the start: claiming the folder and starting the engine take seconds before any progress, and a Stop
    // must reach the engine meanwhile too. Loading a model can take minutes without a word from the engine: the
    // GPU stays this job's.
    const stopBeating = beatUntilDone(
      () => state,
      () => ctx.leases.touch(input.jobId),
    );
    let outcome: TrainingOutcome;
    let cancelled: unknown;
    // The dataset and the run's files stay in this host's cache while the engine reads and writes them.
    const release = store.hold([artifactKey(input.datasetDir), artifactKey('training', input.runId)]);
    try {
      const resumed = await pullInputs().catch((err: unknown) => {
        throw signal.aborted ? new CancelledFailure('Cancelled while pulling the training files') : err;
      });
      if (resumed) logger.info('training.checkpoint_pulled', `Pulled the run's stored checkpoint ${resumed.final ? '(final)' : `at step ${resumed.step}`} to resume from`, { files: resumed.files });
      session = await ctx.engines.trainingEngine().start(
        {
          runId: input.runId,
          name: input.name,
          settings: input.settings,
          triggerWord: input.triggerWord,
          datasetPath: within(root, input.datasetDir),
          runDir,
          vramProfile: input.vramProfile,
          correlationId,
        },
        onEvent,
        { stdout: subprocessLog('stdout'), stderr: subprocessLog('stderr') },
      );
      logger.info('training.engine_started', `Engine started in ${relative(runDir)} (attempt ${input.attempt}, try ${activityInfo().attempt})`);
      const running = session;
      ctx.trainings.set(input.runId, running);
      Context.current().cancelled.catch((err: unknown) => {
        cancelled = err;
        reporter.update({ phase: 'stopping' }, true);
        logger.info('training.stopping', 'Stopping the engine: saving a checkpoint first', { reason: String(err) });
        void running.stop({ saveFirst: true, graceMs });
      });
      outcome = await running.done;
      await storing;
      // The final LoRA is stored before the run counts as trained: the control plane registers it from the store.
      const final = outcome.kind === 'completed' ? artifactKey(relative(outcome.finalCheckpoint)) : undefined;
      if (final && !cancelled && !stored.has(final)) await store.push(final, { signal });
    } finally {
      ctx.trainings.delete(input.runId);
      await storing;
      release();
      stopBeating();
      await reporter.close();
    }

    if (cancelled) throw cancelled instanceof CancelledFailure ? cancelled : new CancelledFailure(String(cancelled));
    if (reporter.fenced) throw ApplicationFailure.nonRetryable(new FencedError(input.runId).message, 'Fenced');
    switch (outcome.kind) {
      case 'completed':
        return { checkpoint: relative(outcome.finalCheckpoint), step: outcome.step, resumedFromStep };
      case 'stopped':
        throw ApplicationFailure.create({
          message: 'The engine stopped without being asked to',
          type: STOPPED_WITH_CHECKPOINT,
          nonRetryable: false,
        });
      case 'failed':
        throw ApplicationFailure.create({
          message: outcome.failure.message,
          type: outcome.failure.code,
          nonRetryable: !outcome.failure.retryable,
          details: [{ detail: outcome.failure.detail, lastCheckpoint: outcome.lastCheckpoint ? relative(outcome.lastCheckpoint) : null }],
        });
    }
  };
}
