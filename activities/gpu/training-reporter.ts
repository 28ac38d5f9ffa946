import type { TrainingReport } from '../../lib/contracts/training-report';
import type { Logger } from '../../lib/logger/logger';

const SEND_EVERY_MS = 1_000;

/** The control plane refused a report: another engine start owns the run now (this one is stale). */
export class FencedError extends Error {
  constructor(runId: string) {
    super(`Run ${runId} has moved on to a newer engine start; this one must stop`);
    this.name = 'FencedError';
  }
}

type Pending = Omit<TrainingReport, 'workerId' | 'attempt'>;

/**
 * Sends a training's progress to the control plane's internal API: at most once a second, at once for what a
 * person waits to see (phase changes, samples, events). What fails to send is kept and sent with the next report,
 * so a restarting control plane loses nothing.
 */
export class TrainingReporter {
  private pending: Pending = {};
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();
  fenced = false;

  constructor(
    private readonly options: {
      url: string;
      token: string;
      runId: string;
      workerId: string;
      attempt: number;
      logger: Logger;
      onFenced: () => void;
    },
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.flush(), SEND_EVERY_MS);
    this.timer.unref();
  }

  update(patch: Pending, urgent = false): void {
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
    if (urgent) void this.flush();
  }

  /** Sends what is pending now; resolves when it was sent (or kept for later). */
  flush(): Promise<void> {
    this.sending = this.sending.then(() => this.send());
    return this.sending;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private async send(): Promise<void> {
    const report = this.pending;
    const empty = Object.values(report).every((v) => v === undefined || (Array.isArray(v) && v.length === 0));
    if (empty || this.fenced) return;
    this.pending = {};
    const { url, token, runId, workerId, attempt, logger } = this.options;
    try {
      const response = await fetch(`${url}/internal/trainings/${runId}/report`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ ...report, workerId, attempt }),
        signal: AbortSignal.timeout(10_000),
      });
      if (response.status === 409) {
        this.fenced = true;
        logger.warn('training.fenced', 'The control plane refused the report: this engine start is stale', { runId, attempt });
        this.options.onFenced();
        return;
      }
      if (!response.ok) throw new Error(`HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`);
    } catch (err) {
      // Keep it for the next try: merge back in front of whatever arrived meanwhile.
      const newer = this.pending;
      this.pending = {};
      this.update(report);
      this.update(newer);
      logger.debug('training.report_failed', `Progress not delivered yet: ${(err as Error).message}`, { runId });
    }
  }
}
