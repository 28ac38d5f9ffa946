import os from 'node:os';
import type { GpuWorkerReport } from '../../lib/contracts/gpu-workers';
import type { EngineStatus } from '../../plugins/engine';
import type { GpuContext } from './context';
import { postReport } from './internal-report';

/** Engines are checked this often (a check may start a process); liveness is reported far more often. */
const ENGINES_EVERY_MS = 15_000;

/**
 * Tells the control plane, every few seconds, that this GPU worker is alive, what its engines can do and which jobs
 * hold its slots (internal API). A worker that stops reporting for GPU_LOST_AFTER_SECONDS (crashed, frozen, cut
 * off) shows as lost, with the jobs it held. Temporal's pollers cannot say this in time: an idle, healthy worker's
 * poll is refreshed only about once a minute (README, "Channels").
 */
export class StatusReports {
  private readonly startedAt = new Date().toISOString();
  private engines: EngineStatus[] = [];
  private enginesCheckedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();

  constructor(private readonly ctx: GpuContext) {}

  /** Reports now and then every few seconds (three reports fit in GPU_LOST_AFTER_SECONDS). */
  start(): void {
    const everyMs = Math.max(200, Math.min(5_000, (this.ctx.config.gpu.lostAfterSeconds * 1000) / 3));
    void this.send();
    this.timer = setInterval(() => void this.send(), everyMs);
    this.timer.unref();
  }

  /** Reports at once with the engines checked again (an engine has just become ready, say). */
  refresh(): Promise<void> {
    this.enginesCheckedAt = 0;
    return this.send();
  }

  /** The last report: this worker is shutting down cleanly and is no longer listed. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.send(true);
  }

  private send(stopping = false): Promise<void> {
    this.sending = this.sending.then(() => this.report(stopping));
    return this.sending;
  }

  private async report(stopping: boolean): Promise<void> {
    const { ctx } = this;
    try {
      if (Date.now() - this.enginesCheckedAt > ENGINES_EVERY_MS) {
        this.engines = await ctx.engines.check();
        this.enginesCheckedAt = Date.now();
      }
      const report: GpuWorkerReport = {
        identity: ctx.identity,
        hostname: os.hostname(),
        queue: ctx.queue,
        capacity: ctx.leases.capacity,
        engines: this.engines,
        jobs: ctx.leases.jobs(),
        startedAt: this.startedAt,
        gpu: ctx.gpu.report(),
        stopping,
      };
      const answer = await postReport(ctx.config, `/internal/workers/${encodeURIComponent(ctx.workerId)}`, report, 5_000);
      if (!answer.ok) throw new Error(`HTTP ${answer.status}: ${answer.text.slice(0, 200)}`);
    } catch (err) {
      ctx.logger.debug('worker.status_not_sent', `Status not delivered to the control plane: ${(err as Error).message}`);
    }
  }
}
