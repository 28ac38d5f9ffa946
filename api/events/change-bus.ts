import { EventEmitter } from 'node:events';

/**
 * In-process notice that a job (a training run, a generation) changed, because a GPU worker's report arrived or
 * the control worker beside the API recorded a step, so open event streams push at once instead of waiting for
 * their next look at the database.
 */
export class ChangeBus {
  private readonly emitter = new EventEmitter();
  private published = 0;

  constructor() {
    // One listener per open event stream.
    this.emitter.setMaxListeners(0);
  }

  /** Grows with every change published: what was read at one version may be stale at the next. */
  get version(): number {
    return this.published;
  }

  publish(jobId: string): void {
    this.published++;
    this.emitter.emit(jobId);
  }

  subscribe(jobId: string, listener: () => void): () => void {
    this.emitter.on(jobId, listener);
    return () => this.emitter.off(jobId, listener);
  }
}
