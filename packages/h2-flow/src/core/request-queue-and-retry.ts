import type { DecodedFrame, FieldList } from '@h2tubes/h2-frames/core';
import type { Closing } from './closing.js';
import type { ConnectionEvent } from './events.js';
import * as out from './outbound-frames.js';
import type { Priority } from './priority.js';
import type { H2Stream } from './stream.js';
import type { StreamRegistry } from './stream-registry.js';
import type { StreamState } from './stream-state.js';

/** What the client's request queue needs. */
export interface RequestQueueParts {
  readonly registry: StreamRegistry;
  readonly closing: Closing;
  readonly frame: (f: DecodedFrame) => void;
  readonly emit: (e: ConnectionEvent) => void;
  /** The peer's SETTINGS_MAX_CONCURRENT_STREAMS in force. */
  readonly peerMaxConcurrentStreams: () => number;
  /** A new local stream record (windows from the settings in force), registered. */
  readonly newLocalStream: (id: number, priority: Priority | undefined) => H2Stream;
  /** The request's body (if any was buffered) may go out now. */
  readonly afterEnqueue: (s: H2Stream) => void;
}

/**
 * Client: requests waiting for a slot under the peer's SETTINGS_MAX_CONCURRENT_STREAMS (RFC 9113
 * §5.1.2), sent in FIFO order (their ids were handed out in that order, §5.1.1), and the retry of
 * a request the server refused with REFUSED_STREAM before any of its DATA went out (§8.7).
 * hyperium/h2 keeps the pending-open queue in `proto/streams/prioritize.rs` and `counts.rs`.
 */
export class RequestQueueAndRetry {
  /** Requests waiting for a slot; none: no array (a server never has one). */
  private queue: H2Stream[] | undefined;

  constructor(private readonly p: RequestQueueParts) {}

  /** Queues a request whose stream record exists; sent at once when there is a slot. */
  enqueue(s: H2Stream, method: string, fields: FieldList, endStream: boolean): void {
    s.queued = true;
    s.method = method;
    s.requestFields = fields;
    s.requestEndStream = endStream;
    s.outPhase = endStream ? 'done' : 'body';
    if (endStream) s.endQueued = true;
    this.push(s);
    this.pump();
  }

  /** A queued request the application cancelled: it never reaches the wire. */
  remove(s: H2Stream): void {
    const i = this.queue?.indexOf(s) ?? -1;
    if (i >= 0) this.queue?.splice(i, 1);
  }

  /** None of the queued requests will be sent on this connection. */
  clear(): void {
    this.queue = undefined;
  }

  /** Sends queued requests while the peer's MAX_CONCURRENT_STREAMS leaves a slot. */
  pump(): void {
    const p = this.p;
    while (
      !p.closing.isClosed &&
      this.queue !== undefined &&
      this.queue.length > 0 &&
      p.registry.localActive < p.peerMaxConcurrentStreams()
    ) {
      const s = this.queue.shift()!;
      s.queued = false;
      s.state = 'open';
      p.registry.countActive(s);
      const endNow = s.requestEndStream;
      p.frame(out.headers(s.id, s.requestFields!, endNow));
      p.emit({ kind: 'requestSent', streamId: s.id });
      // Reset from inside the sink (see "Re-entrancy"): nothing more to send.
      if ((s.state as StreamState) === 'closed') continue;
      if (endNow) p.closing.weEnded(s);
      else p.afterEnqueue(s);
    }
  }

  /** Sends the refused request again on a new stream id (`requestRetried`), its pending body moved. */
  retry(s: H2Stream): void {
    const p = this.p;
    const id = p.registry.allocateLocalId();
    if (id === undefined) {
      p.closing.closeStream(s, 'recvReset');
      p.emit({
        kind: 'streamReset',
        streamId: s.id,
        code: 'REFUSED_STREAM',
        by: 'remote',
        retryable: true,
        error: undefined,
      });
      return;
    }
    const r = p.newLocalStream(id, s);
    r.retries = s.retries + 1;
    r.method = s.method;
    r.queued = true;
    r.requestFields = s.requestFields;
    r.requestEndStream = s.requestEndStream;
    r.outPhase = s.outPhase;
    r.endQueued = s.endQueued;
    r.trailers = s.trailers;
    for (let i = s.head; i < s.chunks.length; i++)
      r.enqueue(i === s.head ? s.chunks[i]!.subarray(s.offset) : s.chunks[i]!);
    s.chunks.length = 0;
    s.pendingBytes = 0;
    p.closing.closeStream(s, 'recvReset');
    p.emit({ kind: 'requestRetried', previousStreamId: s.id, streamId: id });
    this.push(r);
    this.pump();
  }

  private push(s: H2Stream): void {
    if (this.queue === undefined) this.queue = [s];
    else this.queue.push(s);
  }
}
