import {
  checkTrailers,
  type DecodedFrame,
  type ErrorCode,
  type FieldList,
  type H2ProtocolError,
  H2UsageError,
  parseRequestHead,
} from '@h2tubes/h2-frames/core';
import { assembleConnection, type ConnectionParts, INITIAL_CONNECTION_WINDOW } from './connection-parts.js';
import type { ConnectionSink } from './events.js';
import type { GoawayOptions } from './goaway-and-shutdown.js';
import { type ConnectionOptions, type ResolvedOptions, resolveOptions } from './options.js';
import * as out from './outbound-frames.js';
import { parsePriority } from './priority.js';
import { startDiscarding } from './request-body-discard.js';
import { responseHasNoContent } from './response-has-no-content.js';
import type { SettingsValues } from './settings.js';
import type { H2Stream } from './stream.js';
import { UsageChecks } from './usage-checks.js';

export type { GoawayOptions } from './goaway-and-shutdown.js';

/**
 * The sans-I/O HTTP/2 connection (RFC 9113 §3–§8, RFC 9218, RFC 8441): decoded frames in
 * (`receive`), frames and events out through the sink, time passed in as `now` (ms). It never
 * throws for bad peer input: it writes the RFC's answer (RST_STREAM or GOAWAY) and emits an
 * event. API misuse throws `H2UsageError`.
 *
 * Send side is pulled: `sendData` fills a bounded per-stream buffer (`wantsData` says when to pull
 * more; `sendCapacityAvailable` when it has room again), `flush(maxBytes)` turns buffers into DATA
 * frames within the windows, the peer's MAX_FRAME_SIZE and the socket room, by RFC 9218 priority.
 * Receive side: DATA is credit on loan until `consume(streamId, n)`.
 *
 * Re-entrancy: the sink's `event` (and `frame`) callbacks run in the middle of the core's work.
 * From inside them the application may call `respond`, `sendInformational`, `sendData`,
 * `sendTrailers`, `wantsData`, `consume`, `discardRequestBody`, `exemptRequestBody`, `resetStream`, `request`, `canRequest`, `ping`,
 * `goaway`, `flushed` and the getters: safe by design, each records its effect (a frame written
 * after the ones already out, a body buffered for the next `flush`, a stream closed) and the core
 * re-checks a stream's state after every event it reports on it (a stream reset from inside
 * `dataReceived` with END_STREAM stays reset, a request reset from inside `requestSent` sends no
 * body). The calls that drive the core — `start`, `receive`, `receiveFrameError`, `tick`, `flush` — throw
 * `H2UsageError` from inside the sink: they would run a frame or a timer in the middle of another
 * one, so make them after the core has returned (tube layers schedule them on a microtask).
 *
 * This class is the public surface and the frame dispatch; each concern lives in its own unit,
 * given only the parts it works on (as hyperium/h2 splits its `proto` layer): `StreamRegistry`
 * (streams, ids, counts), `SettingsExchange`, `PingAndKeepalive`, `GoawayAndShutdown`,
 * `RequestQueueAndRetry` (client), `ReceivePath`, `SendPath`, `CreditReturn` and `Closing`
 * (§5.1 endings, §5.4 errors).
 *
 * @example
 * const frames: DecodedFrame[] = [];
 * const c = new Connection({ role: 'server' }, { frame: (f) => frames.push(f), event: (e) => {
 *   if (e.kind === 'requestReceived') c.respond(e.streamId, [{ name: ':status', value: '204' }], { endStream: true });
 * } });
 * c.start(Date.now());
 * // for each decoded frame from the socket: c.receive(frame, Date.now()); then c.flush(socketRoom)
 */
export class Connection {
  readonly role: 'server' | 'client';
  private readonly o: ResolvedOptions;
  /**
   * The units, reached through the one object that wires them (not a field each here: an idle
   * connection would keep every reference twice, ~130 B).
   */
  private readonly p: ConnectionParts;
  private readonly checks: UsageChecks;

  constructor(options: ConnectionOptions, sink: ConnectionSink) {
    this.o = resolvedOnce(options);
    this.role = this.o.role;
    const p = assembleConnection(this.o, sink);
    this.p = p;
    this.checks = new UsageChecks(this.role, p.registry, p.closing, p.settings);
  }

  // ───────────────────────────── lifecycle ─────────────────────────────

  /**
   * Writes our SETTINGS (RFC 9113 §3.4: the first frame each side sends) and, when the connection
   * window option is above 65 535, the WINDOW_UPDATE that raises it (§6.9.2).
   */
  start(now: number): void {
    this.outsideSink('start');
    if (this.p.timers.startedAt >= 0) throw new H2UsageError('start() was already called');
    this.p.clock.now = now;
    this.p.timers.startedAt = now;
    this.p.pings.heard(now);
    this.p.registry.idleSince = now;
    this.p.settings.start(now);
    const raise = this.o.connectionWindowSize - INITIAL_CONNECTION_WINDOW;
    if (raise > 0) {
      this.p.credit.connRecv.available += raise;
      this.p.frame(out.windowUpdate(0, raise));
    }
  }

  /** True once the connection is over (`connectionClosed` was emitted); stop reading then. */
  get isClosed(): boolean {
    return this.p.closing.isClosed;
  }

  /** The peer's settings in force. */
  get peerSettings(): SettingsValues {
    return this.p.settings.peer;
  }

  /** Our settings in force (announced and acknowledged). */
  get localSettings(): SettingsValues {
    return this.p.settings.local.acked;
  }

  /** Send windows as the peer granted them: the connection's (streamId 0) or a stream's. */
  sendWindow(streamId: number): number {
    if (streamId === 0) return this.p.connSend.size;
    return this.p.registry.get(streamId)?.sendWindow.size ?? 0;
  }

  /** Receive windows: what the peer may still send on the connection (0) or a stream. */
  receiveWindow(streamId: number): number {
    if (streamId === 0) return this.p.credit.connRecv.available;
    return this.p.registry.get(streamId)?.recv.available ?? 0;
  }

  /** Streams currently open or half-closed (queued client requests not included). */
  get activeStreams(): number {
    return this.p.registry.peerActive + this.p.registry.localActive;
  }

  /**
   * The I/O layer wrote everything handed to it so far: the control-frame answers are no longer
   * queued (`maxQueuedControlFrames` bounds those written since the last `flushed()`, and, however
   * often this is called, those owed in a burst: see `control-answers.ts`).
   */
  flushed(): void {
    this.p.controlAnswers.flushed();
  }

  /**
   * Checks the timers: preface/first SETTINGS and SETTINGS ACK (→ GOAWAY SETTINGS_TIMEOUT),
   * keepalive PING, idle timeout (→ graceful GOAWAY), the second phase of a graceful GOAWAY,
   * server request bodies that stall or crawl (→ 408 and/or RST_STREAM, `request-body-timeouts.ts`).
   */
  tick(now: number): void {
    this.outsideSink('tick');
    this.p.clock.now = now;
    if (!this.p.closing.isClosed && this.p.timers.startedAt >= 0) this.p.timers.tick(now);
  }

  /** The earliest time `tick` has something to check, or undefined when no timer runs. */
  nextDeadline(): number | undefined {
    if (this.p.closing.isClosed || this.p.timers.startedAt < 0) return undefined;
    const t = this.p.timers.deadline();
    return t === Number.POSITIVE_INFINITY ? undefined : t;
  }

  // ───────────────────────────── inbound ─────────────────────────────

  /** One decoded frame from the peer. Never throws for bad input: answers on the wire instead. */
  receive(frame: DecodedFrame, now: number): void {
    this.outsideSink('receive');
    this.p.clock.now = now;
    this.p.pings.heard(now);
    if (this.p.closing.isClosed) return;
    if (!this.p.settings.prefaceReceived) {
      // RFC 9113 §3.4: the peer's preface ends with a SETTINGS frame; anything else first is an error.
      if (frame.type !== 'SETTINGS' || frame.ack) {
        this.p.closing.connectionError('PROTOCOL_ERROR', `${frame.type} before the peer's SETTINGS`);
        return;
      }
    }
    const r = this.p.inbound;
    switch (frame.type) {
      case 'DATA':
        return r.data(frame);
      case 'FIELD_BLOCK':
        return frame.kind === 'HEADERS'
          ? r.headers(frame)
          : this.p.closing.connectionError(
              'PROTOCOL_ERROR',
              'PUSH_PROMISE received: push is disabled (RFC 9113 §8.4)',
            );
      case 'PRIORITY':
        return r.priority(frame);
      case 'RST_STREAM':
        return r.rstStream(frame);
      case 'SETTINGS':
        return this.p.settings.received(frame);
      case 'PING':
        return this.p.pings.received(frame, now);
      case 'GOAWAY':
        return this.p.shutdown.received(frame);
      case 'WINDOW_UPDATE':
        return r.windowUpdate(frame);
      case 'PRIORITY_UPDATE':
        return r.priorityUpdate(frame);
      case 'UNKNOWN':
        return; // RFC 9113 §5.5: unknown frame types are ignored
    }
  }

  /**
   * A frame the decoder rejected (`parseFrame` threw `H2ProtocolError`): a connection error
   * (RFC 9113 §5.4.1) is answered with GOAWAY; a stream error (§5.4.2; the decoder's one is §6.3's
   * PRIORITY of the wrong length) with RST_STREAM whatever the stream's state, idle and closed
   * included. Never throws for bad input, like `receive`.
   *
   * @example
   * try { f = parseFrame(bytes); } catch (e) { if (H2ProtocolError.is(e)) c.receiveFrameError(e, now); }
   */
  receiveFrameError(error: H2ProtocolError, now: number): void {
    this.outsideSink('receiveFrameError');
    this.p.clock.now = now;
    this.p.pings.heard(now);
    if (this.p.closing.isClosed) return;
    if (error.scope === 'connection' || error.streamId === 0 || !this.p.settings.prefaceReceived)
      return this.p.closing.connectionError(error.code, error.message);
    this.p.inbound.decoderStreamError(error.streamId, error.code, error.message);
  }

  // ───────────────────────────── application: messages ─────────────────────────────

  /**
   * Client: sends a request (`fields` with pseudo-headers first). Returns its stream id at once,
   * even when the peer's MAX_CONCURRENT_STREAMS is reached: the request then waits in a FIFO for a
   * slot (ids are handed out in send order, so the id stays valid), and `requestSent` is emitted
   * when its HEADERS goes out (immediately when there is a slot). A request the peer refuses
   * with REFUSED_STREAM before any DATA went out is sent again: `requestRetried` gives the new id.
   *
   * @example
   * const id = c.request([{ name: ':method', value: 'GET' }, { name: ':scheme', value: 'https' },
   *   { name: ':authority', value: 'example.com' }, { name: ':path', value: '/' }], { endStream: true });
   */
  request(fields: FieldList, options: { endStream?: boolean } = {}): number {
    if (this.role !== 'client') throw new H2UsageError('request() is for the client role');
    if (this.p.timers.startedAt < 0) throw new H2UsageError('call start() first');
    if (!this.canRequest())
      throw new H2UsageError('the connection no longer accepts requests (GOAWAY or closed)');
    const head = parseRequestHead(fields, this.p.settings.peer.enableConnectProtocol === 1);
    if (typeof head === 'string') throw new H2UsageError(`malformed request: ${head}`);
    this.checks.outboundSize(fields);
    const id = this.p.registry.allocateLocalId();
    if (id === undefined)
      throw new H2UsageError('stream ids exhausted: open a new connection (RFC 9113 §5.1.1)');
    const s = this.p.newStream(
      id,
      false,
      head.priority === undefined ? undefined : parsePriority(head.priority),
    );
    this.p.requests.enqueue(s, head.method, fields, options.endStream ?? false);
    return id;
  }

  /** False once GOAWAY was sent or received or the connection closed: open a new connection. */
  canRequest(): boolean {
    return !this.p.closing.isClosed && this.p.shutdown.open;
  }

  /**
   * Server: the final response (`fields` begin with `:status`, 200–599). Returns false when the
   * stream is already gone (reset by the peer, connection closed).
   *
   * @example
   * c.respond(1, [{ name: ':status', value: '200' }, { name: 'content-type', value: 'text/plain' }]);
   */
  respond(streamId: number, fields: FieldList, options: { endStream?: boolean } = {}): boolean {
    const s = this.checks.serverStream(streamId, 'respond');
    if (s === undefined) return false;
    const status = this.checks.responseStatus(fields);
    if (status < 200)
      throw new H2UsageError('respond() needs a final status (200-599); use sendInformational for 1xx');
    const endStream = options.endStream ?? false;
    s.outNoBody = responseHasNoContent(s.method, status);
    this.p.frame(out.headers(streamId, fields, endStream));
    s.outPhase = endStream ? 'done' : 'body';
    if (endStream) this.p.closing.weEnded(s);
    return true;
  }

  /**
   * Server: a 1xx response (RFC 9110 §15.2, e.g. 103 Early Hints); may be sent several times
   * before `respond`. 101 is not allowed in HTTP/2 (RFC 9113 §8.6).
   *
   * @example
   * c.sendInformational(1, [{ name: ':status', value: '103' }, { name: 'link', value: '</a.css>; rel=preload' }]);
   */
  sendInformational(streamId: number, fields: FieldList): boolean {
    const s = this.checks.serverStream(streamId, 'sendInformational');
    if (s === undefined) return false;
    const status = this.checks.responseStatus(fields);
    if (status >= 200 || status === 101)
      throw new H2UsageError('sendInformational() needs a 1xx status other than 101');
    this.p.frame(out.headers(streamId, fields, false));
    return true;
  }

  /**
   * Appends a body chunk to the stream's pending-send buffer (no copy; `flush` writes it). Throws
   * when the buffer is full (an empty chunk never fills it): at its bound (`sendBufferSize`), or at
   * `readAhead` for a chunk pulled because `wantsData(streamId, readAhead)` allowed it (pass the
   * same value: the windows may have shrunk since, the share asked for still bounds what the stream
   * holds). Returns false when the stream is gone.
   *
   * @example
   * if (c.wantsData(id)) c.sendData(id, chunk, false);
   * if (c.wantsData(id, share)) source.next().then((chunk) => c.sendData(id, chunk, false, share));
   */
  sendData(streamId: number, chunk: Uint8Array, endStream = false, readAhead = 0): boolean {
    const s = this.checks.bodyStream(streamId, 'sendData');
    if (s === undefined) return false;
    // An empty chunk (the END_STREAM of a body that just ended) adds nothing to hold: always taken.
    if (chunk.length > 0 && s.pendingBytes >= Math.max(this.o.sendBufferSize, readAhead))
      throw new H2UsageError(`send buffer of stream ${streamId} is full: wait for sendCapacityAvailable`);
    if (chunk.length > 0 && s.outNoBody)
      throw new H2UsageError('this response has no content (HEAD, 204 or 304)');
    s.enqueue(chunk);
    if (endStream) {
      s.endQueued = true;
      s.outPhase = 'done';
    }
    this.p.send.afterEnqueue(s);
    return true;
  }

  /**
   * Ends the stream with trailers (RFC 9113 §8.1: no pseudo-headers), after any pending DATA.
   *
   * @example
   * c.sendTrailers(id, [{ name: 'grpc-status', value: '0' }]);
   */
  sendTrailers(streamId: number, fields: FieldList): boolean {
    const s = this.checks.bodyStream(streamId, 'sendTrailers');
    if (s === undefined) return false;
    const problem = checkTrailers(fields);
    if (problem !== undefined) throw new H2UsageError(`malformed trailers: ${problem}`);
    this.checks.outboundSize(fields);
    s.trailers = fields;
    s.endQueued = true;
    s.outPhase = 'done';
    this.p.send.afterEnqueue(s);
    return true;
  }

  /**
   * True when the stream's body should be pulled: headers sent, not ended, buffer below its bound
   * (`sendBufferSize`). `readAhead` lets the buffer go past that bound up to as many octets as the
   * stream and connection windows would let out now (DESIGN.md backpressure rule 3: only what the
   * windows and the socket have room for): the caller passes its share of the writer's room, so a
   * body made of promises (a ReadableStream, an async generator) can gather several chunks for one
   * flush, one large write, instead of a write per chunk.
   *
   * @example
   * while (c.wantsData(id) && source.hasMore()) c.sendData(id, source.next());
   * if (c.wantsData(id, socketRoom / bodiesBeingPulled)) pullNext(id);
   */
  wantsData(streamId: number, readAhead = 0): boolean {
    const s = this.p.registry.get(streamId);
    if (s === undefined || s.queued || s.outPhase !== 'body') return false;
    if (s.pendingBytes < this.o.sendBufferSize) return true;
    return readAhead > 0 && s.pendingBytes < Math.min(readAhead, this.sendableNow(s));
  }

  /** Octets of DATA the windows would let this stream send now (RFC 9113 §6.9.1). */
  private sendableNow(s: H2Stream): number {
    return Math.min(s.sendWindow.size, this.p.connSend.size);
  }

  /**
   * Writes pending DATA as frames: at most `maxBytes` payload octets (the socket's room), within
   * the connection and stream send windows and the peer's SETTINGS_MAX_FRAME_SIZE; streams chosen
   * by RFC 9218 urgency, round-robin among incremental streams of one urgency. Returns the payload
   * octets written.
   *
   * Worked numbers: peer MAX_FRAME_SIZE 16 384, connection window 65 535, stream A (u=3, i) has
   * 100 000 pending with window 65 535, stream B (u=3, i) 10 000 with window 65 535,
   * flush(1 << 20): A 16 384, B 10 000 (+END_STREAM if queued), A 16 384, A 16 384, A 6 383 → the
   * connection window is 0 and 65 535 octets went out; A keeps 34 465 pending until WINDOW_UPDATE.
   *
   * @example
   * const written = c.flush(socket.writableHighWaterMark - socket.writableLength);
   */
  flush(maxBytes: number): number {
    this.outsideSink('flush');
    return this.p.send.flush(maxBytes);
  }

  /** The calls that drive the core are refused from inside the sink (see "Re-entrancy" above). */
  private outsideSink(what: string): void {
    if (this.p.sinkDepth > 0)
      throw new H2UsageError(`${what}() called from inside the sink: call it once the core has returned`);
  }

  /**
   * The consumer used `n` octets of the stream's received DATA: the credit goes back to the peer
   * (WINDOW_UPDATE for the stream and the connection, coalesced until half a window is due).
   *
   * @example
   * // on dataReceived: app.write(e.data); c.consume(e.streamId, e.data.length);
   */
  consume(streamId: number, n: number): void {
    if (this.p.closing.isClosed || n <= 0) return;
    const s = this.p.registry.get(streamId);
    if (s !== undefined) return this.p.credit.stream(s, n);
    this.p.credit.connection(this.p.registry.takeLingering(streamId, n));
  }

  /**
   * Server: nobody will read the rest of this request's body (RFC 9113 §8.1). From now on its DATA
   * is discarded (no `dataReceived`) with stream and connection credit returned, the credit of
   * data received and not consumed included. Once our response has ended and the client has read
   * it (it acknowledged a PING written after it, or sent past the stream window it had then), the
   * stream is reset with NO_ERROR (`request-body-discard.ts` says why not at once). Returns false when the stream is gone (its credit is returned anyway).
   *
   * @example
   * c.respond(id, [{ name: ':status', value: '413' }], { endStream: true });
   * c.discardRequestBody(id); // the upload was not read
   */
  discardRequestBody(streamId: number): boolean {
    if (this.role !== 'server') throw new H2UsageError('discardRequestBody() is for the server role');
    const s = this.p.registry.get(streamId);
    if (s === undefined) {
      this.p.credit.connection(this.p.registry.takeLingering(streamId, Number.POSITIVE_INFINITY));
      return this.checks.knownGone(streamId, 'discardRequestBody');
    }
    startDiscarding(s, this.p.unreadBodies); // the allowance is the window before the held credit goes back
    this.p.credit.stream(s, s.recv.held);
    return true;
  }

  /**
   * Server: this request's body may be idle or slow as long as it likes (a gRPC client or bidi
   * stream, a long poll): `requestBodyTimeoutMs` and `minRequestBodyRate` no longer apply to it
   * (CONNECT streams are exempt from the start). Returns false when the stream is gone.
   *
   * @example
   * // on requestReceived for a streaming RPC:
   * c.exemptRequestBody(e.streamId);
   */
  exemptRequestBody(streamId: number): boolean {
    if (this.role !== 'server') throw new H2UsageError('exemptRequestBody() is for the server role');
    const s = this.p.registry.get(streamId);
    if (s === undefined) return this.checks.knownGone(streamId, 'exemptRequestBody');
    this.p.bodyTimeouts.exempt(s);
    return true;
  }

  /**
   * Resets a stream (RST_STREAM, default CANCEL). A queued request is dropped without a frame.
   * Returns false when the stream is already gone.
   *
   * @example
   * c.resetStream(id, 'CANCEL');
   */
  resetStream(streamId: number, code: ErrorCode = 'CANCEL'): boolean {
    const s = this.p.registry.get(streamId);
    if (s === undefined) return this.checks.knownGone(streamId, 'resetStream');
    if (s.queued) this.p.requests.remove(s);
    else this.p.frame(out.rstStream(streamId, code));
    this.p.closing.closeStream(s, 'sentReset');
    this.p.emit({ kind: 'streamReset', streamId, code, by: 'local', retryable: false, error: undefined });
    return true;
  }

  // ───────────────────────────── application: connection ─────────────────────────────

  /**
   * Sends a PING (RFC 9113 §6.7); `pingAcknowledged` with the same `pingId` reports the RTT.
   *
   * @example
   * const pingId = c.ping(performance.now());
   */
  ping(now: number): number {
    if (this.p.closing.isClosed) throw new H2UsageError('the connection is closed');
    this.p.clock.now = now;
    return this.p.pings.send('app', now);
  }

  /**
   * Sends GOAWAY (RFC 9113 §6.8). Without a code: graceful. A server does it in two phases:
   * GOAWAY with 2^31-1 and a PING, then the real last-stream-id when the PING ACK returns (streams
   * the peer opened meanwhile are still served). A client sends one GOAWAY whose last-stream-id
   * is the last server-initiated stream (0: push is off); 2^31-1 is odd, a client stream id, which
   * servers such as nghttp2 reject as PROTOCOL_ERROR. Its queued requests fail as retryable.
   * Either way the connection closes when the last stream ends. With an error code: immediate,
   * with debug data, and the connection closes now.
   *
   * @example
   * c.goaway(now);                                             // graceful
   * c.goaway(now, { code: 'ENHANCE_YOUR_CALM', debugData });   // immediate
   */
  goaway(now: number, options: GoawayOptions = {}): void {
    this.p.clock.now = now;
    this.p.shutdown.goaway(now, options);
  }
}

/**
 * The resolved options of an options object, resolved once: a server passes the same options to
 * every connection, which then share one record instead of each holding a copy (~230 B).
 * Options are read at construction, as before; an object changed afterwards is not re-read.
 */
const resolved = new WeakMap<ConnectionOptions, ResolvedOptions>();

function resolvedOnce(options: ConnectionOptions): ResolvedOptions {
  let o = resolved.get(options);
  if (o === undefined) {
    o = resolveOptions(options);
    resolved.set(options, o);
  }
  return o;
}
