/**
 * Slows down password guessing: after a few failures from one address, each further attempt must wait, twice as
 * long every time (capped). A success clears the record.
 */
export class LoginRateLimit {
  private readonly failures = new Map<string, { count: number; until: number }>();

  constructor(
    private readonly freeAttempts = 5,
    private readonly maxDelayMs = 15 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds this address must still wait before trying again (0 = may try now). */
  waitFor(key: string): number {
    const record = this.failures.get(key);
    return record ? Math.max(0, record.until - this.now()) : 0;
  }

  failed(key: string): void {
    const count = (this.failures.get(key)?.count ?? 0) + 1;
    const delay = count <= this.freeAttempts ? 0 : Math.min(1_000 * 2 ** (count - this.freeAttempts - 1), this.maxDelayMs);
    this.failures.set(key, { count, until: this.now() + delay });
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value!);
  }

  succeeded(key: string): void {
    this.failures.delete(key);
  }
}
