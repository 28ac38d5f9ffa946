import type { Client } from '@temporalio/client';
import { announceGenerationEnd, announceTrainingEnd } from '../../activities/control/webhooks';
import type { DatabaseHandle } from '../../db/client';
import { finishCaptionJob, unfinishedCaptionJobs } from '../../db/repositories/captions';
import { finishGeneration, unfinishedGenerations } from '../../db/repositories/generations';
import { filesBeingDownloaded, moveModelFiles } from '../../db/repositories/models';
import { closeOpenSelfTest, unfinishedSelfTests } from '../../db/repositories/self-tests';
import { closeOpenTrainingRun, unfinishedTrainingRuns } from '../../db/repositories/trainings';
import type { Logger } from '../../lib/logger/logger';
import { orphanReason, workflowFate, type WorkflowFate } from './workflow-fate';
import { safeErrorMessage } from '../../lib/logger/errors';

/** A row whose workflow Temporal does not know may be one the API is starting right now: given this long first. */
const STARTING_GRACE_MS = 60_000;

type Ended = Exclude<WorkflowFate, { state: 'running' }>;

interface Orphan {
  kind: 'training' | 'generation' | 'self-test' | 'download' | 'caption job';
  id: string;
  workflowId: string;
  createdAt: Date;
  /** Whether the job ever began (its workflow ran at least its first step). */
  started: boolean;
  /** Closes the row with its reason; false when something else ended it first. */
  close(fate: Ended, asked: 'stop' | 'cancel' | undefined): Promise<boolean>;
  /** Tells the webhooks of the job's end, once `close` has written it (training runs and generations). */
  announce?(): Promise<void>;
}

export interface ReconcilerDeps {
  db: DatabaseHandle;
  temporal: Client;
  logger: Logger;
  /** Told of every job it closed (open event streams and cached lists). */
  changed: (jobId: string) => void;
  everyMs: number;
}

/**
 * Temporal is the truth of every job's life and the database row its projection (design §4). This closes every
 * row whose workflow can no longer do it — missing from Temporal, terminated by an operator, timed out, or ended
 * without our code recording it — with the reason in plain words. It runs as the control plane starts and then
 * every `everyMs`; Stop and Cancel call it for one job whose workflow is gone.
 */
export class JobReconciler {
  private readonly startedAt = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(private readonly deps: ReconcilerDeps) {}

  start(): void {
    void this.reconcile();
    this.timer = setInterval(() => void this.reconcile(), this.deps.everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One pass over every unfinished job; answers how many it closed. A pass already under way is joined. */
  reconcile(): Promise<number> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<number> {
    let closed = 0;
    try {
      const orphans = await this.candidates();
      if (orphans.length === 0) return 0;
      const running = await this.runningWorkflowIds();
      for (const orphan of orphans) {
        if (running.has(orphan.workflowId)) continue;
        if (await this.settle(orphan)) closed++;
      }
    } catch (err) {
      this.deps.logger.warn('jobs.reconcile_failed', `Could not check the jobs against Temporal: ${safeErrorMessage(err)}`, { error: err });
    }
    return closed;
  }

  /** Closes one job if its workflow has ended or is gone; with `asked`, the person's own Stop or Cancel. */
  async settle(orphan: Orphan, asked?: 'stop' | 'cancel'): Promise<boolean> {
    const fate = await workflowFate(this.deps.temporal, orphan.workflowId);
    if (fate.state === 'running') return false;
    // The API inserts a row, then starts its workflow: one this process created moments ago, and that never began,
    // may be mid-start.
    const young = !orphan.started && orphan.createdAt.getTime() > Math.max(this.startedAt, Date.now() - STARTING_GRACE_MS);
    if (fate.state === 'missing' && !asked && young) return false;
    if (!(await orphan.close(fate, asked))) return false;
    const { message } = orphanReason(fate, orphan.started);
    this.deps.logger.warn('jobs.orphan_closed', `Closed ${orphan.kind} ${orphan.id}: ${asked ? `${asked} asked for; ` : ''}${message}`, {
      kind: orphan.kind,
      id: orphan.id,
      workflowId: orphan.workflowId,
      fate: fate.state === 'closed' ? fate.status : fate.state,
    });
    this.deps.changed(orphan.id);
    await orphan.announce?.().catch((err: unknown) =>
      this.deps.logger.warn('webhook.announce_failed', `The end of ${orphan.kind} ${orphan.id} was not announced to the webhooks: ${safeErrorMessage(err)}`, {
        kind: orphan.kind,
        id: orphan.id,
        error: err,
      }),
    );
    return true;
  }

  /** Every workflow Temporal lists as running (one listing instead of one question per job). */
  private async runningWorkflowIds(): Promise<Set<string>> {
    const ids = new Set<string>();
    for await (const workflow of this.deps.temporal.workflow.list({ query: "ExecutionStatus = 'Running'" })) ids.add(workflow.workflowId);
    return ids;
  }

  private async candidates(): Promise<Orphan[]> {
    const db = this.deps.db.db;
    const [runs, generations, selfTests, downloading, captionJobs] = await Promise.all([
      unfinishedTrainingRuns(db),
      unfinishedGenerations(db),
      unfinishedSelfTests(db),
      filesBeingDownloaded(db),
      unfinishedCaptionJobs(db),
    ]);
    return [
      ...runs.map((run) => trainingOrphan(this.deps, run)),
      ...generations.map((generation) => generationOrphan(this.deps, generation)),
      ...selfTests.map(
        (test): Orphan => ({
          kind: 'self-test',
          id: test.id,
          workflowId: test.workflowId,
          createdAt: test.createdAt,
          started: test.startedAt !== null,
          close: (fate) => closeOpenSelfTest(db, test.id, orphanReason(fate, test.startedAt !== null).message),
        }),
      ),
      ...captionJobs.map((job) => captionJobOrphan(this.deps, job)),
      ...[...new Map(downloading.filter((f) => f.workflowId).map((f) => [f.workflowId!, f])).values()].map(
        (file): Orphan => ({
          kind: 'download',
          id: file.id.split('/')[0]!,
          workflowId: file.workflowId!,
          createdAt: new Date(0),
          started: true,
          close: async (fate) => {
            const reason = orphanReason(fate, true);
            const cancelled = fate.state === 'closed' && fate.status === 'CANCELLED';
            await moveModelFiles(db, file.id.split('/')[0]!, ['downloading'], cancelled ? 'missing' : 'failed', cancelled ? undefined : reason);
            return true;
          },
        }),
      ),
    ];
  }
}

type TrainingRow = Awaited<ReturnType<typeof unfinishedTrainingRuns>>[number];
type GenerationRow = Awaited<ReturnType<typeof unfinishedGenerations>>[number];
type CaptionJobRow = Awaited<ReturnType<typeof unfinishedCaptionJobs>>[number];

/** A training run whose workflow may be gone; a Stop asked for, or a cancelled workflow, ends it `stopped`. */
export function trainingOrphan(deps: Pick<ReconcilerDeps, 'db' | 'temporal' | 'logger'>, run: TrainingRow): Orphan {
  const started = run.startedAt !== null;
  let ended: { status: 'stopped' | 'failed'; message: string } | undefined;
  return {
    kind: 'training',
    id: run.id,
    workflowId: run.workflowId,
    createdAt: run.createdAt,
    started,
    close: (fate, asked) => {
      const reason = orphanReason(fate, started);
      const stopped = asked === 'stop' || reason.code === 'cancelled';
      ended = { status: stopped ? 'stopped' : 'failed', message: stopped ? `Stopped. ${reason.message}` : reason.message };
      return closeOpenTrainingRun(deps.db.db, run.id, {
        status: ended.status,
        errorCode: stopped ? undefined : reason.code,
        errorMessage: stopped ? undefined : reason.message,
        message: ended.message,
      });
    },
    announce: async () => {
      if (ended) await announceTrainingEnd({ db: deps.db.db, logger: deps.logger, client: deps.temporal }, { runId: run.id, ...ended });
    },
  };
}

/** A generation whose workflow may be gone; a Cancel asked for, or a cancelled workflow, ends it `cancelled`. */
export function generationOrphan(deps: Pick<ReconcilerDeps, 'db' | 'temporal' | 'logger'>, generation: GenerationRow): Orphan {
  const started = generation.startedAt !== null;
  let ended: { status: 'cancelled' | 'failed'; message: string } | undefined;
  return {
    kind: 'generation',
    id: generation.id,
    workflowId: generation.workflowId,
    createdAt: generation.createdAt,
    started,
    close: (fate, asked) => {
      const reason = orphanReason(fate, started);
      const cancelled = asked === 'cancel' || generation.cancelRequestedAt !== null || reason.code === 'cancelled';
      ended = { status: cancelled ? 'cancelled' : 'failed', message: reason.message };
      return finishGeneration(deps.db.db, generation.id, {
        status: cancelled ? 'cancelled' : 'failed',
        errorCode: cancelled ? null : reason.code,
        errorMessage: cancelled ? null : reason.message,
      });
    },
    announce: async () => {
      if (ended) await announceGenerationEnd({ db: deps.db.db, logger: deps.logger, client: deps.temporal }, { generationId: generation.id, ...ended });
    },
  };
}

/** A caption job whose workflow may be gone; a Cancel asked for, or a cancelled workflow, ends it `cancelled`. */
export function captionJobOrphan(deps: Pick<ReconcilerDeps, 'db'>, job: CaptionJobRow): Orphan {
  const started = job.startedAt !== null;
  return {
    kind: 'caption job',
    id: job.id,
    workflowId: job.workflowId,
    createdAt: job.createdAt,
    started,
    close: (fate, asked) => {
      const reason = orphanReason(fate, started);
      const cancelled = asked === 'cancel' || reason.code === 'cancelled';
      return finishCaptionJob(deps.db.db, job.id, cancelled ? 'cancelled' : 'failed', cancelled ? null : reason.message);
    },
  };
}
