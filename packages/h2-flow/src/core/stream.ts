import type { FieldList } from '@h2tubes/h2-frames/core';
import { FlowWindow } from './flow-window.js';
import type { ReceiveCredit } from './receive-credit.js';
import type { Schedulable } from './send-scheduler.js';
import type { StreamState } from './stream-state.js';

/** Where a message (one direction of a stream) is: before its final header section, in its body, or ended. */
export type MessagePhase = 'head' | 'body' | 'done';

/**
 * One stream's record inside a `Connection`: its §5.1 state, both flow-control windows, the
 * message phase in each direction and the bounded pending-send buffer. Internal; every field is
 * set in the constructor so all streams share one shape.
 */
export class H2Stream implements Schedulable {
  state: StreamState = 'idle';
  /** Counted against a MAX_CONCURRENT_STREAMS (open or half-closed, §5.1.2). */
  counted = false;
  /** Client: a request waiting for a slot under the peer's MAX_CONCURRENT_STREAMS. */
  queued = false;
  readonly sendWindow: FlowWindow;

  // Inbound message (the peer's request or response).
  inPhase: MessagePhase = 'head';
  inContentLength = -1;
  inReceived = 0;
  /** Response to HEAD, or 204 / 304: DATA must be empty (RFC 9110 §6.4.1). */
  inNoBody = false;
  emptyDataFrames = 0;
  /** Server: the request body is discarded, credit returned (RFC 9113 §8.1, `discardRequestBody`). */
  discardBody = false;
  /** Octets the client may still send on a discarded body before RST_STREAM NO_ERROR; -1 until our response ended. */
  discardAllowance = -1;
  /** Server: the request body's clocks run (`request-body-timeouts.ts`); the fields below are theirs. */
  bodyTimed = false;
  /** Wall time the clocks started, moved later by the stream's own window pauses. */
  bodyBase = 0;
  /** The connection's paused time when the clocks started. */
  bodyConnSnap = 0;
  /** Since when the stream's window is exhausted, or -1; the connection's paused time then. */
  bodyPausedSince = -1;
  bodyPauseConnSnap = 0;
  /** The window reopened; the pause ends at the next time the core is given. */
  bodyResumePending = false;
  /** Flow-controlled octets received (padding included), and the active time of the last ones. */
  bodyOctets = 0;
  bodyProgressAt = 0;

  // Outbound message.
  outPhase: MessagePhase = 'head';
  outNoBody = false;
  /** Request method (client: what we sent; server: what we received). */
  method = '';

  // Pending-send buffer: chunks[head..] with `offset` octets of chunks[head] already sent.
  chunks: Uint8Array[] = [];
  head = 0;
  offset = 0;
  pendingBytes = 0;
  endQueued = false;
  trailers: FieldList | undefined = undefined;
  /** Some DATA of this stream went out (a refused request can be retried only before that). */
  sentData = false;

  // Client retry of REFUSED_STREAM.
  requestFields: FieldList | undefined = undefined;
  requestEndStream = false;
  retries = 0;

  // RFC 9218 scheduling.
  urgency: number;
  incremental: boolean;
  schedPrev: Schedulable | null = null;
  schedNext: Schedulable | null = null;
  scheduled = false;

  constructor(
    readonly id: number,
    readonly peerInitiated: boolean,
    sendWindow: number,
    readonly recv: ReceiveCredit,
    urgency: number,
    incremental: boolean,
  ) {
    this.sendWindow = new FlowWindow(sendWindow);
    this.urgency = urgency;
    this.incremental = incremental;
  }

  /** Appends a chunk to the pending-send buffer (no copy). */
  enqueue(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.pendingBytes += chunk.length;
  }

  /** Takes up to `n` pending octets as one view of the head chunk (never joins chunks: no copy). */
  take(n: number): Uint8Array {
    const c = this.chunks[this.head]!;
    const left = c.length - this.offset;
    const m = Math.min(n, left);
    const view = this.offset === 0 && m === c.length ? c : c.subarray(this.offset, this.offset + m);
    this.pendingBytes -= m;
    if (m === left) {
      this.chunks[this.head] = EMPTY;
      this.head++;
      this.offset = 0;
      if (this.head === this.chunks.length) {
        this.chunks.length = 0;
        this.head = 0;
      }
    } else {
      this.offset += m;
    }
    return view;
  }
}

const EMPTY = new Uint8Array(0);
