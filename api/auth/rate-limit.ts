export interface RateLimitOptions {
  /** Failures allowed before any wait. */
  freeAttempts?: number;
  /** The first wait, doubled by every further failure. */
  firstDelayMs?: number;
  /** The longest wait: a few minutes, never a lock, so the rightful owner can always try again. */
  maxDelayMs?: number;
  /** A key with no attempt for this long starts afresh. */
  forgetAfterMs?: number;
  /** Most keys remembered (the oldest go first), so a flood of new keys cannot grow memory without bound. */
  maxKeys?: number;
  now?: () => number;
}

/**
 * Slows down password guessing for one kind of key (client addresses, or accounts): after a few failures each
 * further attempt must wait, twice as long every time, up to a cap of a few minutes. A success clears the key.
 *
 * An attempt counts from the moment it starts (`begin`), not when its answer is known: checking a password takes
 * tens of milliseconds, and a burst of attempts sent at once must not all slip in before the first failure is seen.
 */
export class LoginRateLimit {
  private readonly records = new Map<string, { count: number; until: number; last: number }>();
  private readonly freeAttempts: number;
  private readonly firstDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly forgetAfterMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(options: RateLimitOptions = {}) {
    this.freeAttempts = options.freeAttempts ?? 5;
    this.firstDelayMs = options.firstDelayMs ?? 1_000;
    this.maxDelayMs = options.maxDelayMs ?? 5 * 60_000;
    this.forgetAfterMs = options.forgetAfterMs ?? 60 * 60_000;
    this.maxKeys = options.maxKeys ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  private record(key: string) {
    const record = this.records.get(key);
    if (record && this.now() - record.last > this.forgetAfterMs && this.now() >= record.until) {
      this.records.delete(key);
      return undefined;
    }
    return record;
  }

  /** Milliseconds this key must still wait before trying again (0 = may try now). */
  waitFor(key: string): number {
    const record = this.record(key);
    return record ? Math.max(0, record.until - this.now()) : 0;
  }

  /** The wait after `count` counted attempts without a success. */
  delayAfter(count: number): number {
    if (count <= this.freeAttempts) return 0;
    return Math.min(this.firstDelayMs * 2 ** Math.min(count - this.freeAttempts - 1, 30), this.maxDelayMs);
  }

  /** Counts an attempt that starts now (the caller checked `waitFor` first): it is a failure unless `succeeded` follows. */
  attempt(key: string): void {
    const now = this.now();
    const count = (this.record(key)?.count ?? 0) + 1;
    // Re-inserted, so the map's order is the order of last use and the oldest key is the first dropped.
    this.records.delete(key);
    this.records.set(key, { count, until: now + this.delayAfter(count), last: now });
    if (this.records.size > this.maxKeys) this.records.delete(this.records.keys().next().value!);
  }

  succeeded(key: string): void {
    this.records.delete(key);
  }
}

export type ThrottledBy = 'address' | 'account';

/**
 * Password attempts (login, and the setup code of the first visit) throttled both per client address and per
 * account, so that guessing is bounded whatever address it comes from, while a client that merely shares an address
 * with an attacker (everyone behind a proxy that sets no X-Forwarded-For) only waits, never gets locked out.
 */
export class LoginThrottle {
  readonly byAddress: LoginRateLimit;
  readonly byAccount: LoginRateLimit;

  constructor(options: RateLimitOptions = {}) {
    this.byAddress = new LoginRateLimit(options);
    // A few accounts at most: never crowded out by a flood of addresses, since they have a map of their own.
    this.byAccount = new LoginRateLimit({ ...options, maxKeys: 1_000 });
  }

  /**
   * Starts an attempt: `{waitMs: 0}` and the attempt is counted against both keys, or the wait still due (and
   * which key imposes it) and nothing is counted, since a refused attempt checks no password.
   */
  begin(address: string, account: string): { waitMs: number; by: ThrottledBy[] } {
    const waits: Array<[ThrottledBy, number]> = [
      ['address', this.byAddress.waitFor(address)],
      ['account', this.byAccount.waitFor(account)],
    ];
    const waitMs = Math.max(...waits.map(([, ms]) => ms));
    if (waitMs > 0) return { waitMs, by: waits.filter(([, ms]) => ms > 0).map(([by]) => by) };
    this.byAddress.attempt(address);
    this.byAccount.attempt(account);
    return { waitMs: 0, by: [] };
  }

  succeeded(address: string, account: string): void {
    this.byAddress.succeeded(address);
    this.byAccount.succeeded(account);
  }
}
