/**
 * At most `limit` events per key in any rolling minute. At most `maxKeys` keys are remembered (the least recently
 * used go first), so a flood of new keys cannot grow memory without bound.
 */
export class PerMinuteLimit {
  private readonly seen = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly maxKeys = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts an event for `key`; returns 0 if it is allowed, else the seconds until the next one will be. */
  take(key: string): number {
    const now = this.now();
    const recent = (this.seen.get(key) ?? []).filter((at) => now - at < 60_000);
    if (recent.length >= this.limit) {
      this.seen.set(key, recent);
      return Math.max(1, Math.ceil((recent[0]! + 60_000 - now) / 1000));
    }
    recent.push(now);
    // Re-inserted, so the map's order is the order of last use and the oldest key is the first dropped.
    this.seen.delete(key);
    this.seen.set(key, recent);
    if (this.seen.size > this.maxKeys) this.seen.delete(this.seen.keys().next().value!);
    return 0;
  }
}
