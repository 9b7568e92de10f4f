/**
 * The limits every connection enforces and the small allowance types behind some of them. Each
 * one, when it trips, writes its answer on the wire and then reports `limitExceeded` with its name.
 *
 * | limit (`LimitName`) | option: default | when exceeded |
 * | --- | --- | --- |
 * | `concurrentStreams` | `maxConcurrentStreams`: 100 | RST_STREAM REFUSED_STREAM on the new stream (§5.1.2) |
 * | `headerListSize` | `maxHeaderListSize`: 65 536 | a request: 431, then RST_STREAM NO_ERROR if its body is still open; other header sections: RST_STREAM CANCEL |
 * | `rapidReset` | `rapidResetBurst`: 1000, `rapidResetRefillPerSecond`: 33 | GOAWAY ENHANCE_YOUR_CALM (CVE-2023-44487) |
 * | `queuedControlFrames` | `maxQueuedControlFrames`: 10 000 | GOAWAY ENHANCE_YOUR_CALM (§10.5) |
 * | `emptyDataFrames` | `maxEmptyDataFrames`: 100 per stream | GOAWAY ENHANCE_YOUR_CALM (CVE-2019-9518) |
 * | `localResets` | `maxLocalResets`: 1024 per connection | GOAWAY ENHANCE_YOUR_CALM |
 * | `prefaceTimeout` | `prefaceTimeoutMs`: 10 s | GOAWAY SETTINGS_TIMEOUT (§3.4) |
 * | `settingsTimeout` | `settingsTimeoutMs`: 10 s | GOAWAY SETTINGS_TIMEOUT (§6.5.3) |
 * | `keepaliveTimeout` | `keepaliveIntervalMs`: 0 (off), `keepaliveTimeoutMs`: 20 s | GOAWAY NO_ERROR, connection closed |
 * | `idleTimeout` | `idleTimeoutMs`: 5 min (server), 0 (client) | graceful GOAWAY (§6.8) |
 * | `requestBodyTimeout` | `requestBodyTimeoutMs`: 60 s without request-body DATA (server; 0 = off) | 408 + RST_STREAM NO_ERROR if no response started, else RST_STREAM CANCEL (NO_ERROR once our response is complete); the stream is reported reset |
 * | `minRequestBodyRate` | `minRequestBodyRate`: 240 octets/s after `minRequestBodyRateGraceMs`: 5 s (server; 0 = off) | as `requestBodyTimeout` |
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
