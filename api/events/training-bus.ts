import { EventEmitter } from 'node:events';

/**
 * In-process notice that a run changed (a GPU worker's report arrived), so open event streams push at once
 * instead of waiting for their next look at the database.
 */
export class TrainingBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    // One listener per open event stream.
    this.emitter.setMaxListeners(0);
  }

  publish(runId: string): void {
    this.emitter.emit(runId);
  }

  subscribe(runId: string, listener: () => void): () => void {
    this.emitter.on(runId, listener);
    return () => this.emitter.off(runId, listener);
  }
}
