import type { DecodedFrame, ErrorCode, GoawayFrame } from '@h2tubes/h2-frames/core';
import type { Closing } from './closing.js';
import type { ConnectionEvent } from './events.js';
import type { Role } from './options.js';
import * as out from './outbound-frames.js';
import type { H2Stream } from './stream.js';
import { MAX_STREAM_ID, type StreamRegistry } from './stream-registry.js';

/** Options of `goaway()`. */
export interface GoawayOptions {
  /** An error code ends the connection at once; without one (or NO_ERROR) streams may finish. */
  readonly code?: ErrorCode;
  readonly debugData?: Uint8Array;
  /** NO_ERROR without the two-phase PING round (RFC 9113 §6.8 allows both). Default false. */
  readonly immediate?: boolean;
}

const NO_DEBUG = new Uint8Array(0);

/** What the shutdown needs besides the registry and the closing rules. */
export interface ShutdownParts {
  readonly role: Role;
  readonly registry: StreamRegistry;
  readonly closing: Closing;
  readonly frame: (f: DecodedFrame) => void;
  readonly emit: (e: ConnectionEvent) => void;
  /** Sends the PING whose ACK ends the first phase of a graceful GOAWAY. */
  readonly sendGoawayPing: (now: number) => void;
  /** Client: requests still waiting for a slot will never be sent here. */
  readonly dropRequestQueue: () => void;
  /** Second phase after this long without the PING ACK. */
  readonly timeoutMs: number;
}

/**
 * GOAWAY both ways and the graceful shutdown (RFC 9113 §6.8, §8.7): ours in one or two phases,
 * the peer's with the requests it will not process failed as retryable, and the connection closed
 * once the last stream ended. hyperium/h2: `proto/go_away.rs`.
 */
export class GoawayAndShutdown {
  /** 'draining' = GOAWAY 2^31-1 + PING sent; 'final' = the real last-stream-id sent. */
  private state: 'none' | 'draining' | 'final' = 'none';
  private sentAt = 0;
  private lastStreamId = MAX_STREAM_ID;
  /** The lowest last-stream-id the peer announced, or -1 before its first GOAWAY. */
  private peerLastStreamId = -1;

  constructor(private readonly p: ShutdownParts) {}

  /** Neither end sent GOAWAY: new requests may still go out here. */
  get open(): boolean {
    return this.peerLastStreamId < 0 && this.state === 'none';
  }

  /** §6.8: after our final GOAWAY, streams above its last-stream-id are ignored. */
  ignoresPeerStream(id: number): boolean {
    return this.state === 'final' && id > this.lastStreamId;
  }

  /** The idle timeout applies only while nobody is shutting down. */
  get notStarted(): boolean {
    return this.state === 'none';
  }

  /** See `Connection.goaway`. */
  goaway(now: number, options: GoawayOptions): void {
    const p = this.p;
    if (p.closing.isClosed) return;
    const code = options.code ?? 'NO_ERROR';
    const debug = options.debugData ?? NO_DEBUG;
    if (code !== 'NO_ERROR') {
      p.frame(out.goaway(p.registry.highestPeerId, code, debug));
      p.closing.close(code, 'local', undefined);
      return;
    }
    if (p.role === 'client' && this.state !== 'final') {
      this.refuseUnprocessed((s) => s.queued, 'local');
      this.finalGoaway(debug);
      return;
    }
    if (options.immediate || this.state === 'draining') {
      this.finalGoaway(debug);
      return;
    }
    if (this.state !== 'none') return;
    this.state = 'draining';
    this.sentAt = now;
    p.dropRequestQueue();
    p.frame(out.goaway(MAX_STREAM_ID, 'NO_ERROR', debug));
    p.sendGoawayPing(now);
  }

  /** The PING of the first phase came back: the peer has seen the first GOAWAY. */
  pingAcknowledged(): void {
    if (this.state === 'draining') this.finalGoaway();
  }

  /** The second phase is due even without the PING ACK. */
  tick(now: number): void {
    if (this.state === 'draining' && now - this.sentAt >= this.p.timeoutMs) this.finalGoaway();
  }

  deadline(): number {
    return this.state === 'draining' ? this.sentAt + this.p.timeoutMs : Number.POSITIVE_INFINITY;
  }

  received(f: GoawayFrame): void {
    const last = this.peerLastStreamId < 0 ? f.lastStreamId : Math.min(f.lastStreamId, this.peerLastStreamId);
    this.peerLastStreamId = last;
    this.p.emit({ kind: 'goawayReceived', lastStreamId: last, code: f.errorCode, debugData: f.debugData });
    // RFC 9113 §6.8: streams we opened above last-stream-id were not processed: retryable elsewhere.
    this.refuseUnprocessed((s) => s.queued || (!s.peerInitiated && s.id > last), 'remote');
    this.checkDrained();
  }

  /** After a GOAWAY either way, the connection ends once no stream is left. */
  checkDrained(): void {
    const p = this.p;
    if (p.closing.isClosed || p.registry.size > 0) return;
    if (this.state === 'final') p.closing.close('NO_ERROR', 'local', undefined);
    else if (this.peerLastStreamId >= 0) p.closing.close('NO_ERROR', 'remote', undefined);
  }

  private finalGoaway(debug: Uint8Array = NO_DEBUG): void {
    this.state = 'final';
    this.lastStreamId = this.p.registry.highestPeerId;
    this.p.frame(out.goaway(this.p.registry.highestPeerId, 'NO_ERROR', debug));
    this.checkDrained();
  }

  /**
   * Ends the requests that will never be processed on this connection (RFC 9113 §8.7): those
   * still queued, and those above a GOAWAY's last-stream-id. Each fails as REFUSED_STREAM with
   * `retryable`, so the caller may send it again on a new connection.
   */
  private refuseUnprocessed(unprocessed: (s: H2Stream) => boolean, by: 'local' | 'remote'): void {
    // First, so that a stream closing below cannot send a queued request after the GOAWAY.
    this.p.dropRequestQueue();
    for (const s of [...this.p.registry.streams()]) {
      // The sink may reset streams while we report on others (see "Re-entrancy").
      if (s.state === 'closed' || !unprocessed(s)) continue;
      this.p.closing.closeStream(s, 'recvReset');
      this.p.emit({
        kind: 'streamReset',
        streamId: s.id,
        code: 'REFUSED_STREAM',
        by,
        retryable: true,
        error: undefined,
      });
    }
  }
}
