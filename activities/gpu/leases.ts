/**
 * Which jobs hold this GPU worker's slots. A job takes a slot when it acquires the GPU through the shared queue
 * and keeps it while its pinned activities run (each heartbeat renews it) until it releases it. A slot whose job
 * went quiet for `ttlMs` is free again, so a workflow that vanished between "acquire" and "run" cannot block
 * the GPU forever.
 */
export class GpuLeases {
  private readonly held = new Map<string, number>();

  constructor(
    readonly capacity: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes a slot for `jobId` (a job that already holds one keeps it). False when every slot is taken. */
  tryAcquire(jobId: string): boolean {
    this.expire();
    if (!this.held.has(jobId) && this.held.size >= this.capacity) return false;
    this.held.set(jobId, this.now());
    return true;
  }

  /** Renews (or, after a worker restart, re-creates) the slot of a job whose pinned activity is running here. */
  touch(jobId: string): void {
    this.held.set(jobId, this.now());
  }

  release(jobId: string): void {
    this.held.delete(jobId);
  }

  jobs(): string[] {
    this.expire();
    return [...this.held.keys()];
  }

  private expire(): void {
    const cutoff = this.now() - this.ttlMs;
    for (const [jobId, at] of this.held) if (at < cutoff) this.held.delete(jobId);
  }
}
