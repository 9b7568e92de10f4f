import { type DecodedFrame, type ErrorCode, H2ProtocolError } from '@h2tubes/h2-frames/core';
import type { ControlAnswers } from './control-answers.js';
import type { ConnectionEvent } from './events.js';
import type { Budget, LimitName } from './limits.js';
import * as out from './outbound-frames.js';
import type { SendScheduler } from './send-scheduler.js';
import type { H2Stream } from './stream.js';
import type { StreamRegistry } from './stream-registry.js';
import { type ClosedCause, closedStreamAnswer, type Refusal } from './stream-state.js';

const encoder = new TextEncoder();

/** Time as the caller last passed it in (the core never reads a clock). */
export interface Clock {
  now: number;
}

/** What `Closing` works on; each a narrow piece of the connection, not the connection itself. */
export interface ClosingParts {
  readonly registry: StreamRegistry;
  readonly scheduler: SendScheduler<H2Stream>;
  readonly clock: Clock;
  /** Writes a frame (the sink's `frame`). */
  readonly frame: (f: DecodedFrame) => void;
  readonly emit: (e: ConnectionEvent) => void;
  /** Gives connection credit back to the peer (discarded DATA of a reset stream). */
  readonly returnCredit: (n: number) => void;
  /** The answers owed to the peer, bounded (RFC 9113 §10.5: control-frame floods). */
  readonly controlAnswers: ControlAnswers;
  /** Stream errors we answered, bounded (a peer that provokes them forever is cut). */
  readonly localResets: Budget;
  readonly resetGraceMs: number;
  /** A stream closed: the request queue may send, a graceful shutdown may be drained. */
  readonly streamClosed: () => void;
  /** The connection closed: whatever is queued for later is dropped. */
  readonly connectionClosed: () => void;
  /** We sent END_STREAM on a stream (the §8.1 unread-body rule starts counting, `UnreadBodyFence`). */
  readonly responseEnded: (s: H2Stream) => void;
}

/**
 * How streams and the connection end (RFC 9113 §5.1 transitions to "closed", §5.4 error
 * handling): END_STREAM from either side, stream errors (RST_STREAM), connection errors
 * (GOAWAY), and the answers to frames on streams that are gone. Once `isClosed`, nothing else
 * happens. hyperium/h2 keeps the same rules in `proto/streams/state.rs` and `proto/error.rs`.
 */
export class Closing {
  /** True once `connectionClosed` was emitted. */
  isClosed = false;

  constructor(private readonly p: ClosingParts) {}

  /** We sent END_STREAM (§5.1: open → half-closed (local), half-closed (remote) → closed). */
  weEnded(s: H2Stream): void {
    // The sink may have reset the stream while we were reporting on it (see "Re-entrancy").
    if (s.state === 'closed') return;
    if (s.state === 'halfClosedRemote') return this.closeStream(s, 'endStream');
    s.state = 'halfClosedLocal';
    this.p.responseEnded(s);
    this.p.emit({ kind: 'localEnded', streamId: s.id });
  }

  /**
   * The client has read our complete response and still sends a body nobody reads: RST_STREAM
   * NO_ERROR asks it to stop "without error" (RFC 9113 §8.1, `request-body-discard.ts`).
   */
  stopUnreadBody(s: H2Stream): void {
    this.answer(out.rstStream(s.id, 'NO_ERROR'));
    if (this.isClosed) return; // the answer was one too many: GOAWAY went instead
    this.closeStream(s, 'sentReset');
    this.p.emit({
      kind: 'streamReset',
      streamId: s.id,
      code: 'NO_ERROR',
      by: 'local',
      retryable: false,
      error: undefined,
    });
  }

  /** The peer sent END_STREAM. */
  peerEnded(s: H2Stream): void {
    s.inPhase = 'done';
    if (s.state === 'closed') return;
    if (s.state === 'halfClosedLocal') this.closeStream(s, 'endStream');
    else s.state = 'halfClosedRemote';
  }

  closeStream(s: H2Stream, cause: ClosedCause): void {
    if (s.state === 'closed') return;
    const p = this.p;
    s.state = 'closed';
    p.registry.remove(s);
    p.scheduler.remove(s);
    const held = s.recv.held;
    if (held > 0) {
      // Normal end: the consumer may still be reading. Reset: the data is discarded, credit back now.
      if (cause === 'endStream') p.registry.lendLingering(s.id, held);
      else p.returnCredit(held);
    }
    p.registry.remember(s.id, cause, p.clock.now);
    if (cause === 'endStream') p.emit({ kind: 'streamEnded', streamId: s.id });
    if (p.registry.size === 0) p.registry.idleSince = p.clock.now;
    p.streamClosed();
  }

  /**
   * Writes a frame that answers the peer (PING/SETTINGS ACK, RST_STREAM), counted per frame;
   * over the bound it is not written: GOAWAY ENHANCE_YOUR_CALM instead (`ControlAnswers`).
   */
  answer(f: DecodedFrame): void {
    if (this.isClosed) return;
    if (this.p.controlAnswers.owe(this.p.clock.now)) return this.p.frame(f);
    this.connectionError(
      'ENHANCE_YOUR_CALM',
      'too many control frames owed: the peer floods or does not read',
      'queuedControlFrames',
    );
  }

  /** A frame for a stream we do not track: idle ⇒ connection PROTOCOL_ERROR (§5.1), else the closed answer. */
  refuseOnUnknownStream(id: number, frame: 'DATA' | 'HEADERS' | 'RST_STREAM' | 'WINDOW_UPDATE'): void {
    const p = this.p;
    if (p.registry.isIdle(id))
      return this.connectionError('PROTOCOL_ERROR', `${frame} on idle stream ${id} (RFC 9113 §5.1)`);
    const answer = closedStreamAnswer(p.registry.closedCause(id, p.clock.now, p.resetGraceMs), frame);
    if (answer === 'ignore') return;
    this.refuse(undefined, id, answer, frame);
  }

  refuse(s: H2Stream | undefined, id: number, r: Refusal, frame: string): void {
    const message = `${frame} not allowed on stream ${id} in state ${s?.state ?? 'closed'} (RFC 9113 §5.1)`;
    if (r.scope === 'connection') this.connectionError(r.code, message);
    else this.streamError(s, id, r.code, message);
  }

  /**
   * A stream error (RFC 9113 §5.4.2): RST_STREAM, the stream closed, `streamReset` reported.
   * `peerFault` streams count against the 1024 local-reset limit.
   */
  streamError(s: H2Stream | undefined, id: number, code: ErrorCode, message: string, peerFault = true): void {
    const error = new H2ProtocolError(code, 'stream', message, { streamId: id, initiator: 'remote' });
    this.answer(out.rstStream(id, code));
    if (this.isClosed) return; // the answer was one too many: GOAWAY went instead
    if (s !== undefined) {
      this.closeStream(s, 'sentReset');
      this.p.emit({ kind: 'streamReset', streamId: id, code, by: 'local', retryable: false, error });
    } else {
      this.p.registry.remember(id, 'sentReset', this.p.clock.now);
    }
    if (peerFault && !this.p.localResets.take()) {
      this.connectionError('ENHANCE_YOUR_CALM', 'too many stream errors', 'localResets');
    }
  }

  /** A connection error (RFC 9113 §5.4.1): GOAWAY with the code, then the connection is over. */
  connectionError(code: ErrorCode, message: string, limit?: LimitName, streamId = 0): void {
    if (this.isClosed) return;
    const error = new H2ProtocolError(code, 'connection', message, { streamId, initiator: 'remote' });
    this.p.frame(out.goaway(this.p.registry.highestPeerId, code, encoder.encode(message)));
    if (limit !== undefined) this.limitExceeded(limit, streamId);
    this.close(code, 'local', error);
  }

  limitExceeded(limit: LimitName, streamId: number): void {
    this.p.emit({ kind: 'limitExceeded', limit, streamId });
  }

  /** The connection is over: every stream goes, `connectionClosed` is reported once. */
  close(code: ErrorCode, initiator: 'local' | 'remote', error: H2ProtocolError | undefined): void {
    this.isClosed = true;
    this.p.scheduler.clear();
    this.p.registry.clear();
    this.p.connectionClosed();
    this.p.emit({ kind: 'connectionClosed', code, initiator, error });
  }
}
