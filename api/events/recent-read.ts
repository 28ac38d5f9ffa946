import type { ChangeBus } from './change-bus';

/**
 * A database read several requests in a row need (why queued generations wait, say), kept until any job changes or
 * `ttlMs` passes, whichever comes first: the TTL bounds how long a change this process does not hear of (a delete,
 * a write elsewhere) can go unseen. Concurrent callers share one read; a failed read is not kept.
 */
export class RecentRead<T> {
  private kept: { version: number; at: number; value: Promise<T> } | undefined;

  constructor(
    private readonly read: () => Promise<T>,
    private readonly changes: Pick<ChangeBus, 'version'>,
    private readonly ttlMs = 1_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(): Promise<T> {
    const kept = this.kept;
    if (kept && kept.version === this.changes.version && this.now() - kept.at < this.ttlMs) return kept.value;
    const value = this.read();
    const entry = { version: this.changes.version, at: this.now(), value };
    this.kept = entry;
    value.catch(() => {
      if (this.kept === entry) this.kept = undefined;
    });
    return value;
  }
}
