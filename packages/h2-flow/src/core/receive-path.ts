import {
  checkTrailers,
  type DataFrame,
  type DecodedFrame,
  type ErrorCode,
  type FieldBlock,
  type PriorityFrame,
  type PriorityUpdateFrame,
  parseRequestHead,
  parseResponseHead,
  type RstStreamFrame,
  type WindowUpdateFrame,
} from '@h2tubes/h2-frames/core';
import type { Clock, Closing } from './closing.js';
import type { CreditReturn } from './credit-return.js';
import type { ConnectionEvent } from './events.js';
import type { FlowWindow } from './flow-window.js';
import type { TokenBucket } from './limits.js';
import type { ResolvedOptions } from './options.js';
import * as out from './outbound-frames.js';
import { type Priority, parsePriority } from './priority.js';
import { discardedPastAllowance } from './request-body-discard.js';
import type { RequestBodyTimeouts } from './request-body-timeouts.js';
import type { RequestQueueAndRetry } from './request-queue-and-retry.js';
import { responseHasNoContent } from './response-has-no-content.js';
import type { SendPath } from './send-path.js';
import type { SendScheduler } from './send-scheduler.js';
import type { H2Stream } from './stream.js';
import type { StreamRegistry } from './stream-registry.js';
import { isRefusal, stepStream } from './stream-state.js';

/** Bound on PRIORITY_UPDATEs remembered for streams not opened yet (RFC 9218 §7.1 suggests one). */
const MAX_PENDING_PRIORITIES = 100;

/** What the receive path works with, each one unit of the connection. */
export interface ReceivePathParts {
  readonly o: ResolvedOptions;
  readonly registry: StreamRegistry;
  readonly closing: Closing;
  readonly credit: CreditReturn;
  readonly send: SendPath;
  readonly scheduler: SendScheduler<H2Stream>;
  /** The connection's send window (WINDOW_UPDATE on stream 0 grows it). */
  readonly connSend: FlowWindow;
  readonly clock: Clock;
  readonly frame: (f: DecodedFrame) => void;
  readonly emit: (e: ConnectionEvent) => void;
  /** CVE-2023-44487: streams the peer opens and then resets. */
  readonly rapidResets: TokenBucket;
  /** Client: the queue that retries refused requests. */
  readonly requests: RequestQueueAndRetry;
  /** Shutdown state the receive rules depend on. */
  readonly shutdown: { readonly open: boolean; ignoresPeerStream(id: number): boolean };
  /** Server: the clocks of request bodies still arriving. */
  readonly bodyTimeouts: RequestBodyTimeouts;
  /** A new stream record (windows from the settings in force), registered. */
  readonly newStream: (id: number, peerInitiated: boolean, priority: Priority | undefined) => H2Stream;
}

/**
 * The peer's frames on streams (RFC 9113 §5.1, §6.1–§6.4, §6.9, §8.1, RFC 9218 §7): DATA and
 * HEADERS through the stream states and the HTTP message rules, RST_STREAM, WINDOW_UPDATE,
 * PRIORITY and PRIORITY_UPDATE. Bad input gets the RFC's answer through `Closing`.
 * hyperium/h2: `proto/streams/recv.rs`.
 */
export class ReceivePath {
  /** PRIORITY_UPDATEs for streams not open yet; made on the first (most connections get none). */
  private pendingPriorities: Map<number, Priority> | undefined;

  constructor(private readonly p: ReceivePathParts) {}

  data(f: DataFrame): void {
    const p = this.p;
    const c = p.closing;
    const id = f.streamId;
    if (id === 0) return c.connectionError('PROTOCOL_ERROR', 'DATA on stream 0 (RFC 9113 §6.1)');
    // RFC 9113 §6.9.1: padding and the pad-length octet count against flow control.
    const fcl = f.padLength === undefined ? f.data.length : f.data.length + f.padLength + 1;
    if (!p.credit.connRecv.receive(fcl))
      return c.connectionError('FLOW_CONTROL_ERROR', 'DATA beyond the connection window');
    const s = p.registry.get(id);
    if (s === undefined || s.queued) {
      // DATA on a stream that cannot take it still spent connection credit: give it back now.
      p.credit.connection(fcl);
      return c.refuseOnUnknownStream(id, 'DATA');
    }
    const step = stepStream(s.state, f.endStream ? 'recvEndStream' : 'recvData');
    if (isRefusal(step)) {
      p.credit.connection(fcl);
      return c.refuse(s, id, step, 'DATA');
    }
    if (s.inPhase !== 'body') {
      p.credit.connection(fcl);
      return c.streamError(s, id, 'PROTOCOL_ERROR', 'DATA before the final response (RFC 9113 §8.1)');
    }
    if (!s.recv.receive(fcl)) {
      p.credit.connection(fcl);
      return c.streamError(s, id, 'FLOW_CONTROL_ERROR', 'DATA beyond the stream window (RFC 9113 §6.9.1)');
    }
    p.bodyTimeouts.received(s, fcl);
    const pad = fcl - f.data.length;
    if (pad > 0) p.credit.stream(s, pad);
    const n = f.data.length;
    if (n === 0 && !f.endStream && ++s.emptyDataFrames > p.o.maxEmptyDataFrames) {
      return c.connectionError('ENHANCE_YOUR_CALM', 'too many empty DATA frames', 'emptyDataFrames', id);
    }
    if (s.discardBody) return this.discard(s, n, fcl, f.endStream);
    s.inReceived += n;
    const malformed =
      s.inNoBody && n > 0
        ? 'content in a response that has none (RFC 9110 §6.4.1)'
        : !s.inNoBody &&
            s.inContentLength >= 0 &&
            (s.inReceived > s.inContentLength || (f.endStream && s.inReceived !== s.inContentLength))
          ? 'DATA does not match content-length (RFC 9113 §8.1.1)'
          : undefined;
    if (malformed !== undefined) return c.streamError(s, id, 'PROTOCOL_ERROR', malformed);
    p.emit({
      kind: 'dataReceived',
      streamId: id,
      data: f.data,
      flowControlledLength: fcl,
      endStream: f.endStream,
    });
    if (f.endStream) c.peerEnded(s);
  }

  /** RFC 9113 §8.1: DATA of a request body nobody reads (`request-body-discard.ts`). */
  private discard(s: H2Stream, n: number, fcl: number, endStream: boolean): void {
    const p = this.p;
    p.credit.stream(s, n);
    if (endStream) return p.closing.peerEnded(s);
    if (discardedPastAllowance(s, fcl)) p.closing.stopUnreadBody(s);
  }

  headers(f: FieldBlock): void {
    const p = this.p;
    const c = p.closing;
    const id = f.streamId;
    if (id === 0) return c.connectionError('PROTOCOL_ERROR', 'HEADERS on stream 0 (RFC 9113 §6.2)');
    const s = p.registry.get(id);
    if (s === undefined) {
      if (p.registry.isPeerId(id) && id > p.registry.highestPeerId) return this.newPeerStream(f);
      return c.refuseOnUnknownStream(id, 'HEADERS');
    }
    if (s.queued) return c.connectionError('PROTOCOL_ERROR', `HEADERS on idle stream ${id} (RFC 9113 §5.1)`);
    const step = stepStream(s.state, 'recvHeaders');
    if (isRefusal(step)) return c.refuse(s, id, step, 'HEADERS');
    if (f.priority !== undefined && f.priority.dependency === id) {
      return c.streamError(s, id, 'PROTOCOL_ERROR', 'stream depends on itself (RFC 9113 §5.3.1)');
    }
    if (f.oversized) {
      c.limitExceeded('headerListSize', id);
      return c.streamError(s, id, 'CANCEL', 'header list over SETTINGS_MAX_HEADER_LIST_SIZE', false);
    }
    if (s.inPhase === 'body') return this.trailers(s, f);
    // Client: a response (or 1xx) on our request.
    const head = parseResponseHead(f.fields);
    if (typeof head === 'string') return c.streamError(s, id, 'PROTOCOL_ERROR', head);
    const informational = head.status < 200;
    // RFC 9113 §8.1: a 1xx cannot end the stream; 101 is not used in HTTP/2 (§8.6).
    if (informational && (f.endStream || head.status === 101)) {
      return c.streamError(s, id, 'PROTOCOL_ERROR', `malformed ${head.status} response`);
    }
    if (!informational) {
      s.inPhase = 'body';
      s.inContentLength = head.contentLength;
      s.inNoBody = responseHasNoContent(s.method, head.status);
      if (f.endStream && !s.inNoBody && head.contentLength > 0) {
        return c.streamError(s, id, 'PROTOCOL_ERROR', 'content-length without DATA (RFC 9113 §8.1.1)');
      }
    }
    p.emit({
      kind: 'responseReceived',
      streamId: id,
      status: head.status,
      informational,
      fields: f.fields,
      endStream: f.endStream,
    });
    if (f.endStream) c.peerEnded(s);
  }

  /** RFC 9113 §8.1: trailers end the stream and carry no pseudo-headers. */
  private trailers(s: H2Stream, f: FieldBlock): void {
    const c = this.p.closing;
    const problem = !f.endStream ? 'HEADERS after the body without END_STREAM' : checkTrailers(f.fields);
    if (problem !== undefined) return c.streamError(s, s.id, 'PROTOCOL_ERROR', problem);
    if (!s.inNoBody && s.inContentLength >= 0 && s.inReceived !== s.inContentLength) {
      return c.streamError(s, s.id, 'PROTOCOL_ERROR', 'DATA does not match content-length (RFC 9113 §8.1.1)');
    }
    this.p.emit({ kind: 'trailersReceived', streamId: s.id, fields: f.fields });
    c.peerEnded(s);
  }

  /** Server: HEADERS opening a new stream (RFC 9113 §5.1.1, §5.1.2, §8.3.1). */
  private newPeerStream(f: FieldBlock): void {
    const p = this.p;
    const c = p.closing;
    const r = p.registry;
    const id = f.streamId;
    // §8.4: push is disabled, so a client never sees a server-initiated stream.
    if (p.o.role === 'client')
      return c.connectionError('PROTOCOL_ERROR', `HEADERS on server-initiated stream ${id}`);
    // §5.1.1: opening N implicitly closes every idle stream below N (they are simply never tracked).
    r.highestPeerId = id;
    // §6.8: after our GOAWAY, streams above its last-stream-id are ignored.
    if (p.shutdown.ignoresPeerStream(id)) return r.remember(id, 'sentReset', p.clock.now);
    if (f.priority !== undefined && f.priority.dependency === id) {
      return c.streamError(undefined, id, 'PROTOCOL_ERROR', 'stream depends on itself (RFC 9113 §5.3.1)');
    }
    if (r.peerActive >= p.o.maxConcurrentStreams) {
      // §5.1.2: beyond our SETTINGS_MAX_CONCURRENT_STREAMS ⇒ REFUSED_STREAM (the client may retry).
      r.remember(id, 'sentReset', p.clock.now);
      c.answer(out.rstStream(id, 'REFUSED_STREAM'));
      c.limitExceeded('concurrentStreams', id);
      return;
    }
    if (f.oversized) {
      // Documented choice: a request whose header list is over our limit gets a 431 response
      // (RFC 6585 §5, RFC 9113 §10.5.1), then RST_STREAM NO_ERROR if the client is still sending (§8.1).
      r.remember(id, f.endStream ? 'endStream' : 'sentReset', p.clock.now);
      p.frame(out.headers(id, [{ name: ':status', value: '431' }], true));
      if (!f.endStream) c.answer(out.rstStream(id, 'NO_ERROR'));
      c.limitExceeded('headerListSize', id);
      return;
    }
    const head = parseRequestHead(f.fields, p.o.enableConnectProtocol);
    if (typeof head === 'string') return c.streamError(undefined, id, 'PROTOCOL_ERROR', head);
    if (f.endStream && head.contentLength > 0) {
      return c.streamError(undefined, id, 'PROTOCOL_ERROR', 'content-length without DATA (RFC 9113 §8.1.1)');
    }
    const pri =
      this.pendingPriorities?.get(id) ??
      (head.priority === undefined ? undefined : parsePriority(head.priority));
    this.pendingPriorities?.delete(id);
    const s = p.newStream(id, true, pri);
    s.state = 'open';
    s.method = head.method;
    s.inPhase = 'body';
    s.inContentLength = head.contentLength;
    r.countActive(s);
    if (!f.endStream) p.bodyTimeouts.started(s);
    p.emit({ kind: 'requestReceived', streamId: id, fields: f.fields, head, endStream: f.endStream });
    if (f.endStream) c.peerEnded(s);
  }

  /**
   * A stream error the frame decoder found (RFC 9113 §6.3: PRIORITY of the wrong length is a
   * stream error FRAME_SIZE_ERROR; PRIORITY may come in any state, so this holds for idle and
   * closed streams too): RST_STREAM, and the stream closed if it is live, remembered as reset if
   * not. §6.4 forbids RST_STREAM on an idle stream, but §6.3 names no exception: we follow §6.3.
   */
  decoderStreamError(id: number, code: ErrorCode, message: string): void {
    const s = this.p.registry.get(id);
    this.p.closing.streamError(s?.queued === false ? s : undefined, id, code, message);
  }

  priority(f: PriorityFrame): void {
    const c = this.p.closing;
    if (f.streamId === 0) return c.connectionError('PROTOCOL_ERROR', 'PRIORITY on stream 0 (RFC 9113 §6.3)');
    // RFC 9113 §5.3.2: the RFC 7540 scheme is deprecated; only the self-dependency rule is kept.
    if (f.priority.dependency === f.streamId) {
      c.streamError(
        this.p.registry.get(f.streamId),
        f.streamId,
        'PROTOCOL_ERROR',
        'stream depends on itself (RFC 9113 §5.3.1)',
      );
    }
  }

  rstStream(f: RstStreamFrame): void {
    const p = this.p;
    const c = p.closing;
    const id = f.streamId;
    if (id === 0) return c.connectionError('PROTOCOL_ERROR', 'RST_STREAM on stream 0 (RFC 9113 §6.4)');
    const s = p.registry.get(id);
    if (s === undefined || s.queued) return c.refuseOnUnknownStream(id, 'RST_STREAM');
    if (
      p.o.role === 'client' &&
      f.errorCode === 'REFUSED_STREAM' &&
      !s.sentData &&
      s.retries < p.o.maxRefusedRetries &&
      p.shutdown.open
    ) {
      return p.requests.retry(s);
    }
    c.closeStream(s, 'recvReset');
    p.emit({
      kind: 'streamReset',
      streamId: id,
      code: f.errorCode,
      by: 'remote',
      retryable: f.errorCode === 'REFUSED_STREAM',
      error: undefined,
    });
    // CVE-2023-44487: streams the peer opens and then resets drain a token bucket.
    if (s.peerInitiated && !p.rapidResets.take(p.clock.now)) {
      c.connectionError('ENHANCE_YOUR_CALM', 'too many streams reset by the peer', 'rapidReset');
    }
  }

  windowUpdate(f: WindowUpdateFrame): void {
    const p = this.p;
    const c = p.closing;
    const id = f.streamId;
    const inc = f.windowSizeIncrement;
    if (id === 0) {
      // RFC 9113 §6.9: an increment of 0 on the connection ⇒ connection error PROTOCOL_ERROR.
      if (inc === 0)
        return c.connectionError('PROTOCOL_ERROR', 'WINDOW_UPDATE of 0 on the connection (RFC 9113 §6.9)');
      if (!p.connSend.grow(inc))
        return c.connectionError('FLOW_CONTROL_ERROR', 'connection window above 2^31-1 (RFC 9113 §6.9.1)');
      p.emit({ kind: 'windowUpdated', streamId: 0, increment: inc });
      return;
    }
    const s = p.registry.get(id);
    if (s === undefined || s.queued) return c.refuseOnUnknownStream(id, 'WINDOW_UPDATE');
    if (inc === 0) return c.streamError(s, id, 'PROTOCOL_ERROR', 'WINDOW_UPDATE of 0 (RFC 9113 §6.9)');
    if (!s.sendWindow.grow(inc))
      return c.streamError(s, id, 'FLOW_CONTROL_ERROR', 'stream window above 2^31-1 (RFC 9113 §6.9.1)');
    p.send.scheduleIfReady(s);
    p.emit({ kind: 'windowUpdated', streamId: id, increment: inc });
  }

  priorityUpdate(f: PriorityUpdateFrame): void {
    const p = this.p;
    const c = p.closing;
    // RFC 9218 §7.1: servers never send it; a prioritized stream id of 0 is an error.
    if (p.o.role === 'client')
      return c.connectionError('PROTOCOL_ERROR', 'PRIORITY_UPDATE from a server (RFC 9218 §7.1)');
    const id = f.prioritizedStreamId;
    if (id === 0) return c.connectionError('PROTOCOL_ERROR', 'PRIORITY_UPDATE for stream 0 (RFC 9218 §7.1)');
    const s = p.registry.get(id);
    if (s !== undefined) {
      const pri = parsePriority(f.priorityFieldValue, s);
      p.scheduler.reprioritize(s, pri.urgency, pri.incremental);
      p.emit({ kind: 'priorityChanged', streamId: id, urgency: pri.urgency, incremental: pri.incremental });
    } else if (
      p.registry.isPeerId(id) &&
      id > p.registry.highestPeerId &&
      (this.pendingPriorities?.size ?? 0) < MAX_PENDING_PRIORITIES
    ) {
      // The update may come before the HEADERS that opens the stream; keep it (bounded).
      this.pendingPriorities ??= new Map();
      this.pendingPriorities.set(id, parsePriority(f.priorityFieldValue));
    }
  }
}
