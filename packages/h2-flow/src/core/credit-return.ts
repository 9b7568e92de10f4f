import type { DecodedFrame } from '@h2tubes/h2-frames/core';
import type { Clock } from './closing.js';
import * as out from './outbound-frames.js';
import type { ReceiveCredit } from './receive-credit.js';
import type { H2Stream } from './stream.js';

/** Told when a receive window moved after credit went back (the request-body clocks resume). */
export interface ReceiveWindowWatch {
  streamWindowChanged(s: H2Stream): void;
  connectionWindowChanged(): void;
}

/**
 * Gives received credit back to the peer as the consumer uses it (RFC 9113 §6.9): WINDOW_UPDATE
 * for the stream and for the connection, coalesced and auto-tuned by `ReceiveCredit` with the
 * measured round trip. hyperium/h2: `proto/streams/flow_control.rs` and `recv.rs`.
 */
export class CreditReturn {
  constructor(
    /** Our connection receive window. */
    readonly connRecv: ReceiveCredit,
    /** Where WINDOW_UPDATE frames go. */
    private readonly writer: { frame(f: DecodedFrame): void },
    private readonly clock: Clock,
    private readonly rtt: { readonly rttMs: number },
    private readonly watch: ReceiveWindowWatch,
  ) {}

  /** The consumer used `n` octets of the stream's data (clamped to what it holds). */
  stream(s: H2Stream, n: number): void {
    const m = Math.min(n, s.recv.held);
    const inc = s.recv.consume(m, this.clock.now, this.rtt.rttMs);
    // §6.9: a WINDOW_UPDATE is pointless once the peer has ended its side.
    if (inc > 0) {
      if (s.inPhase !== 'done') this.writer.frame(out.windowUpdate(s.id, inc));
      this.watch.streamWindowChanged(s);
    }
    this.connection(m);
  }

  /** `n` octets of connection credit are free again (consumed, discarded or refused). */
  connection(n: number): void {
    if (n <= 0) return;
    const inc = this.connRecv.consume(n, this.clock.now, this.rtt.rttMs);
    if (inc > 0) this.writer.frame(out.windowUpdate(0, inc));
    this.watch.connectionWindowChanged();
  }
}
