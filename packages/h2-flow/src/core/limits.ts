/**
 * The limits every connection enforces and the small allowance types behind some of them. Each
 * one, when it trips, writes its answer on the wire and then reports `limitExceeded` with its name.
 * Their options, defaults and wire answers are the table in h2-flow's README ("Limits every
 * connection enforces"), which `test/readme-limits.test.ts` checks against `resolveOptions`.
 *
 * The two request-body clocks stop while our receive window (the stream's or the connection's)
 * is exhausted: the client cannot send then (`request-body-timeouts.ts`). CONNECT streams (tunnels,
 * RFC 8441 WebSockets) are not timed, nor streams the application passes to `exemptRequestBody`.
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
  | 'idleTimeout'
  | 'requestBodyTimeout'
  | 'minRequestBodyRate';

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
