/**
 * Small allowance types for the DoS limits (DESIGN.md "Limits"): each trips once, and the
 * connection answers GOAWAY ENHANCE_YOUR_CALM (RFC 9113 §10.5) and reports `limitExceeded`.
 */

/** The names `limitExceeded` events carry. */
export type LimitName =
  | 'concurrentStreams'
  | 'headerListSize'
  | 'rapidReset'
  | 'queuedControlFrames'
  | 'emptyDataFrames'
  | 'localResets'
  | 'prefaceTimeout'
  | 'settingsTimeout'
  | 'keepaliveTimeout'
  | 'idleTimeout';

/**
 * A counter with a ceiling: `take()` is false once more than `max` were taken.
 *
 * @example
 * const b = new Budget(2); b.take(); b.take(); b.take(); // third → false
 */
export class Budget {
  used = 0;
  constructor(readonly max: number) {}
  /** Counts one use; false when this use goes over the ceiling. */
  take(): boolean {
    this.used++;
    return this.used <= this.max;
  }
  /** Gives back everything (e.g. the control-frame queue after a flush). */
  reset(): void {
    this.used = 0;
  }
}

/**
 * Token bucket: `burst` tokens, refilled at `refillPerSecond`, time passed in as `now` (ms).
 * Used for CVE-2023-44487 (rapid reset): burst 1000, 33/s.
 *
 * @example
 * const t = new TokenBucket(1000, 33, 0);
 * t.take(0); // true until 1000 are taken within one instant
 */
export class TokenBucket {
  private tokens: number;
  private at: number;
  constructor(
    readonly burst: number,
    readonly refillPerSecond: number,
    now: number,
  ) {
    this.tokens = burst;
    this.at = now;
  }
  /** Takes one token; false when the bucket is empty. */
  take(now: number): boolean {
    if (now > this.at) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) * this.refillPerSecond) / 1000);
      this.at = now;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
