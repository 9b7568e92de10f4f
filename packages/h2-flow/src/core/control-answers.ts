import { TokenBucket } from './limits.js';

/**
 * The answers we owe the peer for its own frames — PING ACK (RFC 9113 §6.7), SETTINGS ACK
 * (§6.5.3), the RST_STREAMs of stream errors and refusals — counted per frame as each is owed
 * (§10.5 "excessive use of control frames": CVE-2019-9512 ping flood, CVE-2019-9515 settings
 * flood). Over the bound the connection ends with GOAWAY ENHANCE_YOUR_CALM before the answer is
 * written. Two counts, one bound:
 *
 * - queued: answers written since the I/O layer last said it wrote everything (`flushed`) — a
 *   peer that does not read makes them pile up (nghttp2 bounds its outbound control queue the
 *   same way, 1 000 by default; Go's http2 server at 10 000);
 * - recent: a token bucket of `bound` answers refilled at a tenth of `bound` per second. An I/O
 *   layer flushes after every read, and a socket takes the ACKs as fast as they come (loopback
 *   buffers hold megabytes), so the queued count alone restarts every 64 KiB read — 3 855 PINGs —
 *   and never reached 10 000: 545 000 PINGs and 1 050 000 SETTINGS were ACKed before a cut. With
 *   the bucket, a flood is cut after `bound` answers however the I/O layer reads and writes
 *   (node:http2 cuts at about 6 000–7 000). Default 10 000 burst, 1 000/s sustained: far above
 *   what a peer needs (a keepalive PING a minute, a SETTINGS now and then).
 *
 * @example
 * const a = new ControlAnswers(3, 0);
 * a.owe(0); a.owe(0); a.owe(0); // true ×3
 * a.owe(0);                     // false: GOAWAY ENHANCE_YOUR_CALM
 */
export class ControlAnswers {
  private queued = 0;
  private readonly recent: TokenBucket;

  constructor(
    private readonly bound: number,
    now: number,
  ) {
    this.recent = new TokenBucket(bound, bound / 10, now);
  }

  /** One more answer is owed now; false when it is over the bound (do not write it). */
  owe(now: number): boolean {
    if (this.queued >= this.bound) return false;
    if (!this.recent.take(now)) return false;
    this.queued++;
    return true;
  }

  /** The I/O layer wrote everything handed to it: the queued answers are gone. */
  flushed(): void {
    this.queued = 0;
  }
}
