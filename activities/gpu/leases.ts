/**
 * Which jobs hold this GPU worker's slots. A job takes a slot when it acquires the GPU through the shared queue
 * and keeps it while its pinned activities run (each heartbeat renews it) until its workflow releases it. Two
 * safety nets free a slot nobody will release: a slot whose job went quiet for `ttlMs` is free again, and the
 * worker frees at once the slot of a job whose workflow has ended (see slot-reclaimer.ts).
 *
 * The shared queue's poller asks for a free slot before it polls (see slot-supplier.ts): while every slot is
 * held, this worker takes no new job, and waiting jobs stay in Temporal's queue, in order.
 */
export class GpuLeases {
  private readonly held = new Map<string, { at: number; workflowId: string | undefined }>();
  /** Polls in flight for the shared queue: each may bring a job that will need a slot. */
  private reserved = 0;
  private waiters: Array<() => void> = [];

  constructor(
    readonly capacity: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Takes a slot for `jobId`, run by the workflow `workflowId` (a job that already holds one keeps it). False when
   * every slot is taken.
   */
  tryAcquire(jobId: string, workflowId?: string): boolean {
    this.expire();
    if (!this.held.has(jobId) && this.held.size >= this.capacity) return false;
    this.held.set(jobId, { at: this.now(), workflowId: workflowId ?? this.held.get(jobId)?.workflowId });
    return true;
  }

  /** Renews (or, after a worker restart, re-creates) the slot of a job whose pinned activity is running here. */
  touch(jobId: string, workflowId?: string): void {
    this.held.set(jobId, { at: this.now(), workflowId: workflowId ?? this.held.get(jobId)?.workflowId });
  }

  /** Frees the slot of `jobId`; false when it held none (already released, or expired). */
  release(jobId: string): boolean {
    if (!this.held.delete(jobId)) return false;
    this.wake();
    return true;
  }

  jobs(): string[] {
    this.expire();
    return [...this.held.keys()];
  }

  /** The slots nothing has renewed for `idleMs`: their job waits between two activities, or has ended. */
  idle(idleMs: number): Array<{ jobId: string; workflowId: string }> {
    const cutoff = this.now() - idleMs;
    return [...this.held]
      .filter(([, lease]) => lease.at <= cutoff && lease.workflowId !== undefined)
      .map(([jobId, lease]) => ({ jobId, workflowId: lease.workflowId! }));
  }

  /** Slots neither held by a job nor promised to a poll in flight. */
  free(): number {
    this.expire();
    return this.capacity - this.held.size - this.reserved;
  }

  /** Promises a slot to a poll if one is free right now. */
  tryReserve(): boolean {
    if (this.free() <= 0) return false;
    this.reserved++;
    return true;
  }

  /** Waits until a slot is free, then promises it to a poll. Rejects with `signal`'s reason when aborted. */
  async reserve(signal: AbortSignal): Promise<void> {
    while (!this.tryReserve()) {
      signal.throwIfAborted();
      await new Promise<void>((resolve, reject) => {
        // Whichever comes first (a slot freed, the periodic look, an abort) undoes the other two.
        const done = (settle: () => void) => {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          this.waiters = this.waiters.filter((w) => w !== waiter);
          settle();
        };
        const waiter = () => done(resolve);
        const onAbort = () => done(() => reject(signal.reason as Error));
        // Expiring leases free slots without a release: look again now and then.
        const timer = setTimeout(waiter, 5_000);
        this.waiters.push(waiter);
        signal.addEventListener('abort', onAbort, { once: true });
      });
    }
  }

  /** The poll's promise is over (its job took a slot of its own, or it found nothing). */
  unreserve(): void {
    this.reserved = Math.max(0, this.reserved - 1);
    this.wake();
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  private expire(): void {
    const cutoff = this.now() - this.ttlMs;
    for (const [jobId, lease] of this.held) {
      if (lease.at < cutoff) {
        this.held.delete(jobId);
        this.wake();
      }
    }
  }
}
