/**
 * The receive side of one flow-control window (a stream's, or the connection's): bytes the peer
 * sent are credit on loan until the consumer consumes them (DESIGN.md backpressure rule 2).
 *
 * Worked numbers, window 65 535, threshold half the window (32 767.5):
 *   peer sends 40 000        → available 25 535, held 40 000
 *   consumer consumes 30 000 → held 10 000, unacked 30 000 (< threshold: no WINDOW_UPDATE yet)
 *   consumer consumes 10 000 → unacked 40 000 ≥ threshold → WINDOW_UPDATE 40 000, available 65 535
 * A consumer that stops consuming leaves `available` at 0: the peer stops, memory ≤ the window.
 *
 * Auto-tuning (bandwidth-delay product): each "epoch" measures how long the consumer took to
 * consume one whole window. If that took no more than one round trip, the window is what limits
 * throughput, so the target doubles (up to `max`) and the extra credit goes out with the next
 * WINDOW_UPDATE. E.g. 65 535 consumed 40 ms after the epoch began, RTT 100 ms → target 131 070.
 *
 * @example
 * const c = new ReceiveCredit(65_535, 65_535, 65_535, 0);
 * c.receive(40_000);           // true
 * c.consume(40_000, 1, 100);   // 40 000: send WINDOW_UPDATE with this increment
 */
export class ReceiveCredit {
  /** The window we want the peer to have; grows with auto-tuning. */
  target: number;
  /** What the peer may still send before it must wait (its view of our window). */
  available: number;
  /** Received, not yet consumed. */
  held = 0;
  /** Consumed, not yet returned by a WINDOW_UPDATE. */
  unacked = 0;
  private epochStart: number;
  private epochConsumed = 0;

  constructor(
    target: number,
    available: number,
    readonly max: number,
    now: number,
  ) {
    this.target = target;
    this.available = available;
    this.epochStart = now;
  }

  /** Counts `n` received octets (padding included); false when beyond the window we granted (§6.9.1). */
  receive(n: number): boolean {
    if (n > this.available) return false;
    this.available -= n;
    this.held += n;
    return true;
  }

  /**
   * The consumer used `n` octets (clamped to what is held). Returns the WINDOW_UPDATE increment to
   * send now, or 0 while the returned credit is below half the window (coalescing).
   */
  consume(n: number, now: number, rttMs: number): number {
    const m = Math.min(n, this.held);
    this.held -= m;
    this.unacked += m;
    this.epochConsumed += m;
    if (this.epochConsumed >= this.target) {
      if (this.target < this.max && now - this.epochStart <= rttMs) {
        const grow = Math.min(this.target, this.max - this.target);
        this.target += grow;
        this.unacked += grow;
      }
      this.epochStart = now;
      this.epochConsumed = 0;
    }
    return this.takeUpdate();
  }

  /** Our new SETTINGS_INITIAL_WINDOW_SIZE was ACKed: the window moves by the delta (§6.9.2). */
  applyDelta(delta: number): void {
    this.target += delta;
    this.available += delta;
  }

  private takeUpdate(): number {
    const inc = this.unacked;
    if (inc === 0 || inc * 2 < this.target) return 0;
    this.unacked = 0;
    this.available += inc;
    return inc;
  }
}
