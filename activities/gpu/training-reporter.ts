import type { Config } from '../../lib/config';
import type { TrainingReport } from '../../lib/contracts/training-report';
import type { Logger } from '../../lib/logger/logger';
import { postReport } from './internal-report';

/** Progress goes out at most this often, so a person sees a step within a fraction of a second of the engine. */
export const MIN_GAP_MS = 250;
/** What failed to send is tried again this long after. */
const RETRY_MS = 1_000;

/** The control plane refused a report: another engine start owns the run now (this one is stale). */
export class FencedError extends Error {
  constructor(runId: string) {
    super(`Run ${runId} has moved on to a newer engine start; this one must stop`);
    this.name = 'FencedError';
  }
}

type Pending = Omit<TrainingReport, 'workerId' | 'attempt'>;

/**
 * Sends a training's progress to the control plane's internal API: a new step goes out at once unless a report
 * left less than {@link MIN_GAP_MS} ago (then when that gap is over, with whatever arrived meanwhile), and what a
 * person waits to see (phase changes, samples, events) at once. What fails to send is kept and sent with the next
 * report, so a restarting control plane loses nothing.
 */
export class TrainingReporter {
  private pending: Pending = {};
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();
  private started = false;
  private closed = false;
  private lastSentAt = 0;
  /** A report is on its way: the next one is scheduled when it has arrived (or failed). */
  private inFlight = false;
  fenced = false;

  constructor(
    private readonly options: {
      config: Config;
      runId: string;
      workerId: string;
      attempt: number;
      logger: Logger;
      onFenced: () => void;
    },
  ) {}

  /** Reports go out from now on (what was updated before goes first). */
  start(): void {
    this.started = true;
    this.schedule();
  }

  update(patch: Pending, urgent = false): void {
    this.merge(patch);
    if (urgent) void this.flush();
    else this.schedule();
  }

  private merge(patch: Pending): void {
    const { losses, samples, events, ...fields } = patch;
    // Latest loss per step: points pile up while the control plane is unreachable.
    const byStep = new Map([...(this.pending.losses ?? []), ...(losses ?? [])]);
    this.pending = {
      ...this.pending,
      ...fields,
      losses: [...byStep],
      samples: [...(this.pending.samples ?? []), ...(samples ?? [])],
      events: [...(this.pending.events ?? []), ...(events ?? [])],
    };
  }

  /** Sends what is pending once the gap since the last report is over (at once if it is), unless a send is due. */
  private schedule(delayMs?: number): void {
    if (!this.started || this.closed || this.timer || this.inFlight) return;
    const wait = delayMs ?? Math.max(0, this.lastSentAt + MIN_GAP_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, wait);
    this.timer.unref();
  }

  /** Sends what is pending now; resolves when it was sent (or kept for later). */
  flush(): Promise<void> {
    this.sending = this.sending.then(() => this.send());
    return this.sending;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private async send(): Promise<void> {
    const report = this.pending;
    if (this.isEmpty(report) || this.fenced) return;
    this.pending = {};
    this.lastSentAt = Date.now();
    this.inFlight = true;
    let failed = false;
    const { config, runId, workerId, attempt, logger } = this.options;
    try {
      const answer = await postReport(config, `/internal/trainings/${runId}/report`, { ...report, workerId, attempt }, 10_000);
      if (answer.status === 409) {
        this.fenced = true;
        logger.warn('training.fenced', 'The control plane refused the report: this engine start is stale', { runId, attempt });
        this.options.onFenced();
        return;
      }
      if (!answer.ok) throw new Error(`HTTP ${answer.status}: ${answer.text.slice(0, 200)}`);
    } catch (err) {
      // Keep it for the next try: merge back in front of whatever arrived meanwhile.
      const newer = this.pending;
      this.pending = {};
      this.merge(report);
      this.merge(newer);
      failed = true;
      logger.debug('training.report_failed', `Progress not delivered yet: ${(err as Error).message}`, { runId });
    } finally {
      this.inFlight = false;
    }
    if (!this.isEmpty(this.pending)) this.schedule(failed ? RETRY_MS : undefined);
  }

  private isEmpty(report: Pending): boolean {
    return Object.values(report).every((v) => v === undefined || (Array.isArray(v) && v.length === 0));
  }
}
