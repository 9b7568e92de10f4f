import {
  checkTrailers,
  type DataFrame,
  type DecodedFrame,
  type ErrorCode,
  type FieldBlock,
  type GoawayFrame,
  H2ProtocolError,
  H2UsageError,
  type HeaderField,
  headerListSize,
  type PingFrame,
  type PriorityFrame,
  type PriorityUpdateFrame,
  parseRequestHead,
  parseResponseHead,
  type RequestHead,
  type RstStreamFrame,
  type SettingsFrame,
  type WindowUpdateFrame,
} from '@h2tubes/h2-frames/core';
import type { ConnectionEvent, ConnectionSink } from './events.js';
import { FlowWindow } from './flow-window.js';
import { Budget, type LimitName, TokenBucket } from './limits.js';
import { type ConnectionOptions, type ResolvedOptions, resolveOptions } from './options.js';
import * as out from './outbound-frames.js';
import { DEFAULT_URGENCY, type Priority, parsePriority } from './priority.js';
import { ReceiveCredit } from './receive-credit.js';
import { SendScheduler } from './send-scheduler.js';
import {
  announcedSettings,
  applySettings,
  INITIAL_SETTINGS,
  LocalSettings,
  type SettingsValues,
} from './settings.js';
import { H2Stream } from './stream.js';
import { type ClosedCause, closedStreamAnswer, isRefusal, type Refusal, stepStream } from './stream-state.js';

/** Options of `goaway()`. */
export interface GoawayOptions {
  /** An error code ends the connection at once; without one (or NO_ERROR) streams may finish. */
  readonly code?: ErrorCode;
  readonly debugData?: Uint8Array;
  /** NO_ERROR without the two-phase PING round (RFC 9113 §6.8 allows both). Default false. */
  readonly immediate?: boolean;
}

interface PingRecord {
  readonly kind: 'app' | 'keepalive' | 'goaway';
  readonly sentAt: number;
}

interface ClosedRecord {
  readonly cause: ClosedCause;
  readonly at: number;
}

const encoder = new TextEncoder();
const NO_DEBUG = new Uint8Array(0);
/** RFC 9113 §6.8: the first GOAWAY of a graceful shutdown announces 2^31-1. */
const MAX_STREAM_ID = 0x7fff_ffff;
/** RFC 9113 §6.9.2: the connection window starts at 65 535 whatever the settings say. */
const INITIAL_CONNECTION_WINDOW = 65_535;
/** Bound on PRIORITY_UPDATEs remembered for streams not opened yet (RFC 9218 §7.1 suggests one). */
const MAX_PENDING_PRIORITIES = 100;

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
  private readonly sink: ConnectionSink;
  private now = 0;
  private startedAt = -1;
  private closed = false;
  private prefaceReceived = false;

  private readonly local = new LocalSettings();
  private peer: SettingsValues = INITIAL_SETTINGS;

  private readonly connSend = new FlowWindow(INITIAL_CONNECTION_WINDOW);
  private readonly connRecv: ReceiveCredit;

  private readonly streams = new Map<number, H2Stream>();
  private readonly closedStreams = new Map<number, ClosedRecord>();
  /** Connection credit still on loan for streams that closed before their data was consumed. */
  private readonly lingering = new Map<number, number>();
  private readonly requestQueue: H2Stream[] = [];
  private readonly pendingPriorities = new Map<number, Priority>();
  private readonly scheduler = new SendScheduler<H2Stream>();

  private highestPeerId = 0;
  private nextLocalId: number;
  private peerActive = 0;
  private localActive = 0;

  private readonly pings = new Map<number, PingRecord>();
  private nextPingId = 1;
  private rttMs: number;
  private lastReceivedAt = 0;
  private keepaliveSentAt = -1;
  private idleSince = 0;

  /** 'draining' = GOAWAY 2^31-1 + PING sent; 'final' = the real last-stream-id sent. */
  private goawayState: 'none' | 'draining' | 'final' = 'none';
  private goawaySentAt = 0;
  private goawayLastStreamId = MAX_STREAM_ID;
  private peerGoawayLastStreamId = -1;

  private readonly controlQueue: Budget;
  private readonly localResets: Budget;
  private readonly rapidResets: TokenBucket;

  constructor(options: ConnectionOptions, sink: ConnectionSink) {
    this.o = resolveOptions(options);
    this.role = this.o.role;
    this.sink = sink;
    this.nextLocalId = this.role === 'client' ? 1 : 2;
    this.rttMs = this.o.assumedRttMs;
    this.connRecv = new ReceiveCredit(
      this.o.connectionWindowSize,
      INITIAL_CONNECTION_WINDOW,
      Math.max(this.o.connectionWindowSize, this.o.maxReceiveWindowSize),
      0,
    );
    this.controlQueue = new Budget(this.o.maxQueuedControlFrames);
    this.localResets = new Budget(this.o.maxLocalResets);
    this.rapidResets = new TokenBucket(this.o.rapidResetBurst, this.o.rapidResetRefillPerSecond, 0);
  }

  // ───────────────────────────── lifecycle ─────────────────────────────

  /**
   * Writes our SETTINGS (RFC 9113 §3.4: the first frame each side sends) and, when the connection
   * window option is above 65 535, the WINDOW_UPDATE that raises it (§6.9.2).
   */
  start(now: number): void {
    if (this.startedAt >= 0) throw new H2UsageError('start() was already called');
    this.now = now;
    this.startedAt = now;
    this.lastReceivedAt = now;
    this.idleSince = now;
    const entries = announcedSettings(this.o);
    this.sink.frame(out.settings(entries));
    this.local.sent(entries, now);
    const raise = this.o.connectionWindowSize - INITIAL_CONNECTION_WINDOW;
    if (raise > 0) {
      this.connRecv.available += raise;
      this.sink.frame(out.windowUpdate(0, raise));
    }
  }

  /** True once the connection is over (`connectionClosed` was emitted); stop reading then. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** The peer's settings in force. */
  get peerSettings(): SettingsValues {
    return this.peer;
  }

  /** Our settings in force (announced and acknowledged). */
  get localSettings(): SettingsValues {
    return this.local.acked;
  }

  /** Send windows as the peer granted them: the connection's (streamId 0) or a stream's. */
  sendWindow(streamId: number): number {
    if (streamId === 0) return this.connSend.size;
    return this.streams.get(streamId)?.sendWindow.size ?? 0;
  }

  /** Receive windows: what the peer may still send on the connection (0) or a stream. */
  receiveWindow(streamId: number): number {
    if (streamId === 0) return this.connRecv.available;
    return this.streams.get(streamId)?.recv.available ?? 0;
  }

  /** Streams currently open or half-closed (queued client requests not included). */
  get activeStreams(): number {
    return this.peerActive + this.localActive;
  }

  /**
   * The tube layer wrote everything handed to it so far: the control-frame answers are no longer
   * queued (the 10 000 limit counts answers written since the last `flushed()`).
   */
  flushed(): void {
    this.controlQueue.reset();
  }

  /**
   * Checks the timers: preface/first SETTINGS and SETTINGS ACK (→ GOAWAY SETTINGS_TIMEOUT),
   * keepalive PING, idle timeout (→ graceful GOAWAY), the second phase of a graceful GOAWAY.
   */
  tick(now: number): void {
    this.now = now;
    if (this.closed || this.startedAt < 0) return;
    const o = this.o;
    if (!this.prefaceReceived && now - this.startedAt >= o.prefaceTimeoutMs) {
      this.connectionError('SETTINGS_TIMEOUT', 'no SETTINGS from the peer in time', 'prefaceTimeout');
      return;
    }
    const pendingAt = this.local.oldestPendingAt;
    if (pendingAt !== undefined && now - pendingAt >= o.settingsTimeoutMs) {
      // RFC 9113 §6.5.3: no ACK in time ⇒ connection error SETTINGS_TIMEOUT.
      this.connectionError('SETTINGS_TIMEOUT', 'SETTINGS not acknowledged in time', 'settingsTimeout');
      return;
    }
    if (o.keepaliveIntervalMs > 0) {
      if (this.keepaliveSentAt >= 0) {
        if (now - this.keepaliveSentAt >= o.keepaliveTimeoutMs) {
          this.sink.frame(out.goaway(this.highestPeerId, 'NO_ERROR', encoder.encode('keepalive timeout')));
          this.emitLimit('keepaliveTimeout', 0);
          this.close('NO_ERROR', 'local', undefined);
          return;
        }
      } else if (now - this.lastReceivedAt >= o.keepaliveIntervalMs) {
        this.keepaliveSentAt = now;
        this.sendPing('keepalive', now);
      }
    }
    if (this.goawayState === 'draining' && now - this.goawaySentAt >= o.settingsTimeoutMs) this.finalGoaway();
    if (
      o.idleTimeoutMs > 0 &&
      this.goawayState === 'none' &&
      this.streams.size === 0 &&
      now - this.idleSince >= o.idleTimeoutMs
    ) {
      this.emitLimit('idleTimeout', 0);
      this.goaway(now);
    }
  }

  /** The earliest time `tick` has something to check, or undefined when no timer runs. */
  nextDeadline(): number | undefined {
    if (this.closed || this.startedAt < 0) return undefined;
    const o = this.o;
    let t = Number.POSITIVE_INFINITY;
    if (!this.prefaceReceived) t = this.startedAt + o.prefaceTimeoutMs;
    const pendingAt = this.local.oldestPendingAt;
    if (pendingAt !== undefined) t = Math.min(t, pendingAt + o.settingsTimeoutMs);
    if (o.keepaliveIntervalMs > 0) {
      t = Math.min(
        t,
        this.keepaliveSentAt >= 0
          ? this.keepaliveSentAt + o.keepaliveTimeoutMs
          : this.lastReceivedAt + o.keepaliveIntervalMs,
      );
    }
    if (this.goawayState === 'draining') t = Math.min(t, this.goawaySentAt + o.settingsTimeoutMs);
    if (o.idleTimeoutMs > 0 && this.goawayState === 'none' && this.streams.size === 0)
      t = Math.min(t, this.idleSince + o.idleTimeoutMs);
    return t === Number.POSITIVE_INFINITY ? undefined : t;
  }

  // ───────────────────────────── inbound ─────────────────────────────

  /** One decoded frame from the peer. Never throws for bad input: answers on the wire instead. */
  receive(frame: DecodedFrame, now: number): void {
    this.now = now;
    this.lastReceivedAt = now;
    if (this.closed) return;
    if (!this.prefaceReceived) {
      // RFC 9113 §3.4: the peer's preface ends with a SETTINGS frame; anything else first is an error.
      if (frame.type !== 'SETTINGS' || frame.ack) {
        this.connectionError('PROTOCOL_ERROR', `${frame.type} before the peer's SETTINGS`);
        return;
      }
    }
    switch (frame.type) {
      case 'DATA':
        return this.onData(frame);
      case 'FIELD_BLOCK':
        return frame.kind === 'HEADERS'
          ? this.onHeaders(frame)
          : this.connectionError('PROTOCOL_ERROR', 'PUSH_PROMISE received: push is disabled (RFC 9113 §8.4)');
      case 'PRIORITY':
        return this.onPriority(frame);
      case 'RST_STREAM':
        return this.onRstStream(frame);
      case 'SETTINGS':
        return this.onSettings(frame);
      case 'PING':
        return this.onPing(frame);
      case 'GOAWAY':
        return this.onGoaway(frame);
      case 'WINDOW_UPDATE':
        return this.onWindowUpdate(frame);
      case 'PRIORITY_UPDATE':
        return this.onPriorityUpdate(frame);
      case 'UNKNOWN':
        return; // RFC 9113 §5.5: unknown frame types are ignored
    }
  }

  private onData(f: DataFrame): void {
    const id = f.streamId;
    if (id === 0) return this.connectionError('PROTOCOL_ERROR', 'DATA on stream 0 (RFC 9113 §6.1)');
    // RFC 9113 §6.9.1: padding and the pad-length octet count against flow control.
    const fcl = f.padLength === undefined ? f.data.length : f.data.length + f.padLength + 1;
    if (!this.connRecv.receive(fcl))
      return this.connectionError('FLOW_CONTROL_ERROR', 'DATA beyond the connection window');
    const s = this.streams.get(id);
    if (s === undefined || s.queued) {
      // DATA on a stream that cannot take it still spent connection credit: give it back now.
      this.returnConnectionCredit(fcl);
      return this.refuseOnUnknownStream(id, 'DATA');
    }
    const step = stepStream(s.state, f.endStream ? 'recvEndStream' : 'recvData');
    if (isRefusal(step)) {
      this.returnConnectionCredit(fcl);
      return this.refuse(s, id, step, 'DATA');
    }
    if (s.inPhase !== 'body') {
      this.returnConnectionCredit(fcl);
      return this.streamError(s, id, 'PROTOCOL_ERROR', 'DATA before the final response (RFC 9113 §8.1)');
    }
    if (!s.recv.receive(fcl)) {
      this.returnConnectionCredit(fcl);
      return this.streamError(s, id, 'FLOW_CONTROL_ERROR', 'DATA beyond the stream window (RFC 9113 §6.9.1)');
    }
    const pad = fcl - f.data.length;
    if (pad > 0) this.consumeCredit(s, pad);
    const n = f.data.length;
    if (n === 0 && !f.endStream && ++s.emptyDataFrames > this.o.maxEmptyDataFrames) {
      return this.connectionError('ENHANCE_YOUR_CALM', 'too many empty DATA frames', 'emptyDataFrames', id);
    }
    s.inReceived += n;
    const malformed =
      s.inNoBody && n > 0
        ? 'content in a response that has none (RFC 9110 §6.4.1)'
        : !s.inNoBody &&
            s.inContentLength >= 0 &&
            (s.inReceived > s.inContentLength || (f.endStream && s.inReceived !== s.inContentLength))
          ? 'DATA does not match content-length (RFC 9113 §8.1.1)'
          : undefined;
    if (malformed !== undefined) return this.streamError(s, id, 'PROTOCOL_ERROR', malformed);
    this.emit({
      kind: 'dataReceived',
      streamId: id,
      data: f.data,
      flowControlledLength: fcl,
      endStream: f.endStream,
    });
    if (f.endStream) this.peerEnded(s);
  }

  private onHeaders(f: FieldBlock): void {
    const id = f.streamId;
    if (id === 0) return this.connectionError('PROTOCOL_ERROR', 'HEADERS on stream 0 (RFC 9113 §6.2)');
    const s = this.streams.get(id);
    if (s === undefined) {
      if (this.isPeerId(id) && id > this.highestPeerId) return this.onNewPeerStream(f);
      return this.refuseOnUnknownStream(id, 'HEADERS');
    }
    if (s.queued)
      return this.connectionError('PROTOCOL_ERROR', `HEADERS on idle stream ${id} (RFC 9113 §5.1)`);
    const step = stepStream(s.state, 'recvHeaders');
    if (isRefusal(step)) return this.refuse(s, id, step, 'HEADERS');
    if (f.priority !== undefined && f.priority.dependency === id) {
      return this.streamError(s, id, 'PROTOCOL_ERROR', 'stream depends on itself (RFC 9113 §5.3.1)');
    }
    if (f.oversized) {
      this.emitLimit('headerListSize', id);
      return this.streamError(s, id, 'CANCEL', 'header list over SETTINGS_MAX_HEADER_LIST_SIZE', false);
    }
    if (s.inPhase === 'body') return this.onTrailers(s, f);
    // Client: a response (or 1xx) on our request.
    const head = parseResponseHead(f.fields);
    if (typeof head === 'string') return this.streamError(s, id, 'PROTOCOL_ERROR', head);
    const informational = head.status < 200;
    // RFC 9113 §8.1: a 1xx cannot end the stream; 101 is not used in HTTP/2 (§8.6).
    if (informational && (f.endStream || head.status === 101)) {
      return this.streamError(s, id, 'PROTOCOL_ERROR', `malformed ${head.status} response`);
    }
    if (!informational) {
      s.inPhase = 'body';
      s.inContentLength = head.contentLength;
      s.inNoBody = s.method === 'HEAD' || head.status === 204 || head.status === 304;
      if (f.endStream && !s.inNoBody && head.contentLength > 0) {
        return this.streamError(s, id, 'PROTOCOL_ERROR', 'content-length without DATA (RFC 9113 §8.1.1)');
      }
    }
    this.emit({
      kind: 'responseReceived',
      streamId: id,
      status: head.status,
      informational,
      fields: f.fields,
      endStream: f.endStream,
    });
    if (f.endStream) this.peerEnded(s);
  }

  /** RFC 9113 §8.1: trailers end the stream and carry no pseudo-headers. */
  private onTrailers(s: H2Stream, f: FieldBlock): void {
    const problem = !f.endStream ? 'HEADERS after the body without END_STREAM' : checkTrailers(f.fields);
    if (problem !== undefined) return this.streamError(s, s.id, 'PROTOCOL_ERROR', problem);
    if (!s.inNoBody && s.inContentLength >= 0 && s.inReceived !== s.inContentLength) {
      return this.streamError(
        s,
        s.id,
        'PROTOCOL_ERROR',
        'DATA does not match content-length (RFC 9113 §8.1.1)',
      );
    }
    this.emit({ kind: 'trailersReceived', streamId: s.id, fields: f.fields });
    this.peerEnded(s);
  }

  /** Server: HEADERS opening a new stream (RFC 9113 §5.1.1, §5.1.2, §8.3.1). */
  private onNewPeerStream(f: FieldBlock): void {
    const id = f.streamId;
    // §8.4: push is disabled, so a client never sees a server-initiated stream.
    if (this.role === 'client')
      return this.connectionError('PROTOCOL_ERROR', `HEADERS on server-initiated stream ${id}`);
    // §5.1.1: opening N implicitly closes every idle stream below N (they are simply never tracked).
    this.highestPeerId = id;
    if (this.goawayState === 'final' && id > this.goawayLastStreamId) {
      // §6.8: after our GOAWAY, streams above its last-stream-id are ignored.
      return this.remember(id, 'sentReset');
    }
    if (f.priority !== undefined && f.priority.dependency === id) {
      return this.streamError(undefined, id, 'PROTOCOL_ERROR', 'stream depends on itself (RFC 9113 §5.3.1)');
    }
    if (this.peerActive >= this.o.maxConcurrentStreams) {
      // §5.1.2: beyond our SETTINGS_MAX_CONCURRENT_STREAMS ⇒ REFUSED_STREAM (the client may retry).
      this.remember(id, 'sentReset');
      this.writeControl(out.rstStream(id, 'REFUSED_STREAM'));
      this.emitLimit('concurrentStreams', id);
      return;
    }
    if (f.oversized) {
      // Documented choice: a request whose header list is over our limit gets a 431 response
      // (RFC 6585 §5, RFC 9113 §10.5.1), then RST_STREAM NO_ERROR if the client is still sending (§8.1).
      this.remember(id, f.endStream ? 'endStream' : 'sentReset');
      this.sink.frame(out.headers(id, [{ name: ':status', value: '431' }], true));
      if (!f.endStream) this.writeControl(out.rstStream(id, 'NO_ERROR'));
      this.emitLimit('headerListSize', id);
      return;
    }
    const head = parseRequestHead(f.fields, this.o.enableConnectProtocol);
    if (typeof head === 'string') return this.streamError(undefined, id, 'PROTOCOL_ERROR', head);
    if (f.endStream && head.contentLength > 0) {
      return this.streamError(
        undefined,
        id,
        'PROTOCOL_ERROR',
        'content-length without DATA (RFC 9113 §8.1.1)',
      );
    }
    const pri =
      this.pendingPriorities.get(id) ??
      (head.priority === undefined ? undefined : parsePriority(head.priority));
    this.pendingPriorities.delete(id);
    const s = this.newStream(id, true, pri);
    s.state = 'open';
    s.method = head.method;
    s.inPhase = 'body';
    s.inContentLength = head.contentLength;
    this.countActive(s);
    this.emit({ kind: 'requestReceived', streamId: id, fields: f.fields, head, endStream: f.endStream });
    if (f.endStream) this.peerEnded(s);
  }

  private onPriority(f: PriorityFrame): void {
    if (f.streamId === 0)
      return this.connectionError('PROTOCOL_ERROR', 'PRIORITY on stream 0 (RFC 9113 §6.3)');
    // RFC 9113 §5.3.2: the RFC 7540 scheme is deprecated; only the self-dependency rule is kept.
    if (f.priority.dependency === f.streamId) {
      this.streamError(
        this.streams.get(f.streamId),
        f.streamId,
        'PROTOCOL_ERROR',
        'stream depends on itself (RFC 9113 §5.3.1)',
      );
    }
  }

  private onRstStream(f: RstStreamFrame): void {
    const id = f.streamId;
    if (id === 0) return this.connectionError('PROTOCOL_ERROR', 'RST_STREAM on stream 0 (RFC 9113 §6.4)');
    const s = this.streams.get(id);
    if (s === undefined || s.queued) return this.refuseOnUnknownStream(id, 'RST_STREAM');
    if (
      this.role === 'client' &&
      f.errorCode === 'REFUSED_STREAM' &&
      !s.sentData &&
      s.retries < this.o.maxRefusedRetries &&
      this.peerGoawayLastStreamId < 0 &&
      this.goawayState === 'none'
    ) {
      return this.retryRefused(s);
    }
    this.closeStream(s, 'recvReset');
    this.emit({
      kind: 'streamReset',
      streamId: id,
      code: f.errorCode,
      by: 'remote',
      retryable: f.errorCode === 'REFUSED_STREAM',
      error: undefined,
    });
    // CVE-2023-44487: streams the peer opens and then resets drain a token bucket.
    if (s.peerInitiated && !this.rapidResets.take(this.now)) {
      this.connectionError('ENHANCE_YOUR_CALM', 'too many streams reset by the peer', 'rapidReset');
    }
  }

  private onSettings(f: SettingsFrame): void {
    if (f.ack) {
      if (f.settings.length > 0)
        return this.connectionError('FRAME_SIZE_ERROR', 'SETTINGS ACK with a payload (RFC 9113 §6.5)');
      const previous = this.local.acked.initialWindowSize;
      const r = this.local.acknowledged();
      if (r === undefined) return;
      const delta = r.values.initialWindowSize - previous;
      if (delta !== 0) {
        // Pitfall: our new INITIAL_WINDOW_SIZE applies to receive windows only once ACKed (§6.9.2).
        for (const s of this.streams.values()) s.recv.applyDelta(delta);
      }
      this.emit({ kind: 'settingsAcknowledged', settings: r.values, changed: r.changed });
      return;
    }
    const r = applySettings(this.peer, f.settings, this.role);
    if (r instanceof H2ProtocolError) return this.connectionError(r.code, r.message);
    if (r.changed.includes('initialWindowSize')) {
      // RFC 9113 §6.9.2: the delta moves every stream's send window (may go negative), never the connection's.
      const delta = r.values.initialWindowSize - this.peer.initialWindowSize;
      for (const s of this.streams.values()) {
        if (!s.sendWindow.grow(delta))
          return this.connectionError(
            'FLOW_CONTROL_ERROR',
            'SETTINGS_INITIAL_WINDOW_SIZE overflows a stream window',
          );
        if (delta > 0) this.scheduleIfReady(s);
      }
    }
    this.peer = r.values;
    this.prefaceReceived = true;
    this.writeControl(out.settingsAck());
    this.emit({ kind: 'settingsChanged', settings: r.values, changed: r.changed });
    if (r.changed.includes('maxConcurrentStreams')) this.pump();
  }

  private onPing(f: PingFrame): void {
    if (!f.ack) {
      // RFC 9113 §6.7: answer with the same payload; an ACK is never answered.
      this.writeControl(out.ping(f.opaqueData, true));
      return;
    }
    const key = pingKey(f.opaqueData);
    const p = this.pings.get(key);
    if (p === undefined) return;
    this.pings.delete(key);
    const rtt = this.now - p.sentAt;
    this.rttMs = Math.max(rtt, 1);
    if (p.kind === 'keepalive') this.keepaliveSentAt = -1;
    else if (p.kind === 'goaway') {
      if (this.goawayState === 'draining') this.finalGoaway();
    } else this.emit({ kind: 'pingAcknowledged', pingId: key, rttMs: rtt });
  }

  private onGoaway(f: GoawayFrame): void {
    const last =
      this.peerGoawayLastStreamId < 0
        ? f.lastStreamId
        : Math.min(f.lastStreamId, this.peerGoawayLastStreamId);
    this.peerGoawayLastStreamId = last;
    this.emit({ kind: 'goawayReceived', lastStreamId: last, code: f.errorCode, debugData: f.debugData });
    // RFC 9113 §6.8: streams we opened above last-stream-id were not processed: retryable elsewhere.
    this.refuseUnprocessed((s) => s.queued || (!s.peerInitiated && s.id > last), 'remote');
    this.checkDrained();
  }

  /**
   * Ends the requests that will never be processed on this connection (RFC 9113 §8.7): those
   * still queued, and those above a GOAWAY's last-stream-id. Each fails as REFUSED_STREAM with
   * `retryable`, so the caller may send it again on a new connection.
   */
  private refuseUnprocessed(unprocessed: (s: H2Stream) => boolean, by: 'local' | 'remote'): void {
    for (const s of [...this.streams.values()]) {
      if (!unprocessed(s)) continue;
      this.closeStream(s, 'recvReset');
      this.emit({
        kind: 'streamReset',
        streamId: s.id,
        code: 'REFUSED_STREAM',
        by,
        retryable: true,
        error: undefined,
      });
    }
    this.requestQueue.length = 0;
  }

  private onWindowUpdate(f: WindowUpdateFrame): void {
    const id = f.streamId;
    const inc = f.windowSizeIncrement;
    if (id === 0) {
      // RFC 9113 §6.9: an increment of 0 on the connection ⇒ connection error PROTOCOL_ERROR.
      if (inc === 0)
        return this.connectionError('PROTOCOL_ERROR', 'WINDOW_UPDATE of 0 on the connection (RFC 9113 §6.9)');
      if (!this.connSend.grow(inc))
        return this.connectionError('FLOW_CONTROL_ERROR', 'connection window above 2^31-1 (RFC 9113 §6.9.1)');
      this.emit({ kind: 'windowUpdated', streamId: 0, increment: inc });
      return;
    }
    const s = this.streams.get(id);
    if (s === undefined || s.queued) return this.refuseOnUnknownStream(id, 'WINDOW_UPDATE');
    if (inc === 0) return this.streamError(s, id, 'PROTOCOL_ERROR', 'WINDOW_UPDATE of 0 (RFC 9113 §6.9)');
    if (!s.sendWindow.grow(inc))
      return this.streamError(s, id, 'FLOW_CONTROL_ERROR', 'stream window above 2^31-1 (RFC 9113 §6.9.1)');
    this.scheduleIfReady(s);
    this.emit({ kind: 'windowUpdated', streamId: id, increment: inc });
  }

  private onPriorityUpdate(f: PriorityUpdateFrame): void {
    // RFC 9218 §7.1: servers never send it; a prioritized stream id of 0 is an error.
    if (this.role === 'client')
      return this.connectionError('PROTOCOL_ERROR', 'PRIORITY_UPDATE from a server (RFC 9218 §7.1)');
    const id = f.prioritizedStreamId;
    if (id === 0)
      return this.connectionError('PROTOCOL_ERROR', 'PRIORITY_UPDATE for stream 0 (RFC 9218 §7.1)');
    const s = this.streams.get(id);
    if (s !== undefined) {
      const p = parsePriority(f.priorityFieldValue, s);
      this.scheduler.reprioritize(s, p.urgency, p.incremental);
      this.emit({ kind: 'priorityChanged', streamId: id, urgency: p.urgency, incremental: p.incremental });
    } else if (
      this.isPeerId(id) &&
      id > this.highestPeerId &&
      this.pendingPriorities.size < MAX_PENDING_PRIORITIES
    ) {
      // The update may come before the HEADERS that opens the stream; keep it (bounded).
      this.pendingPriorities.set(id, parsePriority(f.priorityFieldValue));
    }
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
  request(fields: readonly HeaderField[], options: { endStream?: boolean } = {}): number {
    if (this.role !== 'client') throw new H2UsageError('request() is for the client role');
    if (this.startedAt < 0) throw new H2UsageError('call start() first');
    if (!this.canRequest())
      throw new H2UsageError('the connection no longer accepts requests (GOAWAY or closed)');
    const head = parseRequestHead(fields, this.peer.enableConnectProtocol === 1);
    if (typeof head === 'string') throw new H2UsageError(`malformed request: ${head}`);
    this.checkOutboundSize(fields);
    if (this.nextLocalId > MAX_STREAM_ID)
      throw new H2UsageError('stream ids exhausted: open a new connection (RFC 9113 §5.1.1)');
    const endStream = options.endStream ?? false;
    const id = this.nextLocalId;
    this.nextLocalId += 2;
    const s = this.newStream(
      id,
      false,
      head.priority === undefined ? undefined : parsePriority(head.priority),
    );
    this.prepareRequest(s, head, fields, endStream);
    this.requestQueue.push(s);
    this.pump();
    return id;
  }

  /** False once GOAWAY was sent or received or the connection closed: open a new connection. */
  canRequest(): boolean {
    return !this.closed && this.peerGoawayLastStreamId < 0 && this.goawayState === 'none';
  }

  /**
   * Server: the final response (`fields` begin with `:status`, 200–599). Returns false when the
   * stream is already gone (reset by the peer, connection closed).
   *
   * @example
   * c.respond(1, [{ name: ':status', value: '200' }, { name: 'content-type', value: 'text/plain' }]);
   */
  respond(streamId: number, fields: readonly HeaderField[], options: { endStream?: boolean } = {}): boolean {
    const s = this.serverStream(streamId, 'respond');
    if (s === undefined) return false;
    const status = this.checkResponse(s, fields);
    if (status < 200)
      throw new H2UsageError('respond() needs a final status (200-599); use sendInformational for 1xx');
    const endStream = options.endStream ?? false;
    s.outNoBody = s.method === 'HEAD' || status === 204 || status === 304;
    this.sink.frame(out.headers(streamId, fields, endStream));
    s.outPhase = endStream ? 'done' : 'body';
    if (endStream) this.weEnded(s);
    return true;
  }

  /**
   * Server: a 1xx response (RFC 9110 §15.2, e.g. 103 Early Hints); may be sent several times
   * before `respond`. 101 is not allowed in HTTP/2 (RFC 9113 §8.6).
   *
   * @example
   * c.sendInformational(1, [{ name: ':status', value: '103' }, { name: 'link', value: '</a.css>; rel=preload' }]);
   */
  sendInformational(streamId: number, fields: readonly HeaderField[]): boolean {
    const s = this.serverStream(streamId, 'sendInformational');
    if (s === undefined) return false;
    const status = this.checkResponse(s, fields);
    if (status >= 200 || status === 101)
      throw new H2UsageError('sendInformational() needs a 1xx status other than 101');
    this.sink.frame(out.headers(streamId, fields, false));
    return true;
  }

  /**
   * Appends a body chunk to the stream's pending-send buffer (no copy; `flush` writes it). Throws
   * when the buffer is full: pull only while `wantsData(streamId)`. Returns false when the stream
   * is gone.
   *
   * @example
   * if (c.wantsData(id)) c.sendData(id, chunk, false);
   */
  sendData(streamId: number, chunk: Uint8Array, endStream = false): boolean {
    const s = this.bodyStream(streamId, 'sendData');
    if (s === undefined) return false;
    if (s.pendingBytes >= this.o.sendBufferSize)
      throw new H2UsageError(`send buffer of stream ${streamId} is full: wait for sendCapacityAvailable`);
    if (chunk.length > 0 && s.outNoBody)
      throw new H2UsageError('this response has no content (HEAD, 204 or 304)');
    s.enqueue(chunk);
    if (endStream) {
      s.endQueued = true;
      s.outPhase = 'done';
    }
    this.afterEnqueue(s);
    return true;
  }

  /**
   * Ends the stream with trailers (RFC 9113 §8.1: no pseudo-headers), after any pending DATA.
   *
   * @example
   * c.sendTrailers(id, [{ name: 'grpc-status', value: '0' }]);
   */
  sendTrailers(streamId: number, fields: readonly HeaderField[]): boolean {
    const s = this.bodyStream(streamId, 'sendTrailers');
    if (s === undefined) return false;
    const problem = checkTrailers(fields);
    if (problem !== undefined) throw new H2UsageError(`malformed trailers: ${problem}`);
    this.checkOutboundSize(fields);
    s.trailers = fields;
    s.endQueued = true;
    s.outPhase = 'done';
    this.afterEnqueue(s);
    return true;
  }

  /**
   * True when the stream's body should be pulled: headers sent, not ended, buffer below its bound.
   *
   * @example
   * while (c.wantsData(id) && source.hasMore()) c.sendData(id, source.next());
   */
  wantsData(streamId: number): boolean {
    const s = this.streams.get(streamId);
    return s !== undefined && !s.queued && s.outPhase === 'body' && s.pendingBytes < this.o.sendBufferSize;
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
    let written = 0;
    const frameMax = this.peer.maxFrameSize;
    while (!this.closed && written < maxBytes && this.connSend.size > 0) {
      const s = this.scheduler.next();
      if (s === null) break;
      if (s.sendWindow.size <= 0) {
        // A smaller SETTINGS_INITIAL_WINDOW_SIZE can leave a scheduled stream without credit (§6.9.2).
        this.scheduler.remove(s);
        continue;
      }
      const room = Math.min(s.sendWindow.size, this.connSend.size, frameMax, maxBytes - written);
      const before = s.pendingBytes;
      const chunk = s.take(room);
      const n = chunk.length;
      s.sendWindow.shrink(n);
      this.connSend.shrink(n);
      written += n;
      s.sentData = true;
      const last = s.pendingBytes === 0 && s.endQueued;
      this.sink.frame(out.data(s.id, chunk, last && s.trailers === undefined));
      if (s.pendingBytes === 0 || s.sendWindow.size <= 0) this.scheduler.remove(s);
      else if (s.incremental) this.scheduler.rotate(s);
      if (last) this.finishBody(s, s.trailers === undefined);
      else if (
        before >= this.o.sendBufferSize &&
        s.pendingBytes < this.o.sendBufferSize &&
        s.outPhase === 'body'
      ) {
        this.emit({ kind: 'sendCapacityAvailable', streamId: s.id });
      }
    }
    return written;
  }

  /**
   * The consumer used `n` octets of the stream's received DATA: the credit goes back to the peer
   * (WINDOW_UPDATE for the stream and the connection, coalesced until half a window is due).
   *
   * @example
   * // on dataReceived: app.write(e.data); c.consume(e.streamId, e.data.length);
   */
  consume(streamId: number, n: number): void {
    if (this.closed || n <= 0) return;
    const s = this.streams.get(streamId);
    if (s !== undefined) return this.consumeCredit(s, n);
    const held = this.lingering.get(streamId);
    if (held === undefined) return;
    const m = Math.min(n, held);
    if (m === held) this.lingering.delete(streamId);
    else this.lingering.set(streamId, held - m);
    this.returnConnectionCredit(m);
  }

  /**
   * Resets a stream (RST_STREAM, default CANCEL). A queued request is dropped without a frame.
   * Returns false when the stream is already gone.
   *
   * @example
   * c.resetStream(id, 'CANCEL');
   */
  resetStream(streamId: number, code: ErrorCode = 'CANCEL'): boolean {
    const s = this.streams.get(streamId);
    if (s === undefined) return this.knownGone(streamId, 'resetStream');
    if (s.queued) {
      this.requestQueue.splice(this.requestQueue.indexOf(s), 1);
    } else {
      this.sink.frame(out.rstStream(streamId, code));
    }
    this.closeStream(s, 'sentReset');
    this.emit({ kind: 'streamReset', streamId, code, by: 'local', retryable: false, error: undefined });
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
    if (this.closed) throw new H2UsageError('the connection is closed');
    this.now = now;
    return this.sendPing('app', now);
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
    this.now = now;
    if (this.closed) return;
    const code = options.code ?? 'NO_ERROR';
    const debug = options.debugData ?? NO_DEBUG;
    if (code !== 'NO_ERROR') {
      this.sink.frame(out.goaway(this.highestPeerId, code, debug));
      this.close(code, 'local', undefined);
      return;
    }
    if (this.role === 'client' && this.goawayState !== 'final') {
      this.refuseUnprocessed((s) => s.queued, 'local');
      this.finalGoaway(debug);
      return;
    }
    if (options.immediate || this.goawayState === 'draining') {
      this.finalGoaway(debug);
      return;
    }
    if (this.goawayState !== 'none') return;
    this.goawayState = 'draining';
    this.goawaySentAt = now;
    this.requestQueue.length = 0;
    this.sink.frame(out.goaway(MAX_STREAM_ID, 'NO_ERROR', debug));
    this.sendPing('goaway', now);
  }

  // ───────────────────────────── internals ─────────────────────────────

  private finalGoaway(debug: Uint8Array = NO_DEBUG): void {
    this.goawayState = 'final';
    this.goawayLastStreamId = this.highestPeerId;
    this.sink.frame(out.goaway(this.highestPeerId, 'NO_ERROR', debug));
    this.checkDrained();
  }

  private sendPing(kind: PingRecord['kind'], now: number): number {
    const id = this.nextPingId++;
    this.pings.set(id, { kind, sentAt: now });
    this.sink.frame(out.ping(pingPayload(id), false));
    return id;
  }

  private isPeerId(id: number): boolean {
    return (id & 1) === (this.role === 'server' ? 1 : 0);
  }

  private newStream(id: number, peerInitiated: boolean, pri: Priority | undefined): H2Stream {
    const w = this.local.acked.initialWindowSize;
    const s = new H2Stream(
      id,
      peerInitiated,
      this.peer.initialWindowSize,
      new ReceiveCredit(w, w, Math.max(w, this.o.maxReceiveWindowSize), this.now),
      pri?.urgency ?? DEFAULT_URGENCY,
      pri?.incremental ?? false,
    );
    this.streams.set(id, s);
    return s;
  }

  private prepareRequest(
    s: H2Stream,
    head: RequestHead,
    fields: readonly HeaderField[],
    endStream: boolean,
  ): void {
    s.queued = true;
    s.method = head.method;
    s.requestFields = fields;
    s.requestEndStream = endStream;
    s.outPhase = endStream ? 'done' : 'body';
    if (endStream) s.endQueued = true;
  }

  /** Client: sends queued requests while the peer's MAX_CONCURRENT_STREAMS leaves a slot. */
  private pump(): void {
    while (
      !this.closed &&
      this.requestQueue.length > 0 &&
      this.localActive < this.peer.maxConcurrentStreams
    ) {
      const s = this.requestQueue.shift()!;
      s.queued = false;
      s.state = 'open';
      this.countActive(s);
      const endNow = s.requestEndStream;
      this.sink.frame(out.headers(s.id, s.requestFields!, endNow));
      this.emit({ kind: 'requestSent', streamId: s.id });
      if (endNow) this.weEnded(s);
      else this.afterEnqueue(s);
    }
  }

  private retryRefused(s: H2Stream): void {
    const id = this.nextLocalId;
    if (id > MAX_STREAM_ID) {
      this.closeStream(s, 'recvReset');
      this.emit({
        kind: 'streamReset',
        streamId: s.id,
        code: 'REFUSED_STREAM',
        by: 'remote',
        retryable: true,
        error: undefined,
      });
      return;
    }
    this.nextLocalId += 2;
    const r = this.newStream(id, false, s);
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
    this.closeStream(s, 'recvReset');
    this.emit({ kind: 'requestRetried', previousStreamId: s.id, streamId: id });
    this.requestQueue.push(r);
    this.pump();
  }

  private countActive(s: H2Stream): void {
    s.counted = true;
    if (s.peerInitiated) this.peerActive++;
    else this.localActive++;
  }

  private serverStream(streamId: number, what: string): H2Stream | undefined {
    if (this.role !== 'server') throw new H2UsageError(`${what}() is for the server role`);
    const s = this.streams.get(streamId);
    if (s === undefined) {
      this.knownGone(streamId, what);
      return undefined;
    }
    if (s.outPhase !== 'head')
      throw new H2UsageError(`${what}(): stream ${streamId} already has its final response`);
    return s;
  }

  private bodyStream(streamId: number, what: string): H2Stream | undefined {
    const s = this.streams.get(streamId);
    if (s === undefined) {
      this.knownGone(streamId, what);
      return undefined;
    }
    if (s.outPhase !== 'body') {
      throw new H2UsageError(
        `${what}(): stream ${streamId} ${s.outPhase === 'head' ? 'has no final header section yet' : 'already ended'}`,
      );
    }
    return s;
  }

  /** A stream id the application names that is not live: false if it existed, else misuse. */
  private knownGone(streamId: number, what: string): false {
    if (this.closed || this.closedStreams.has(streamId) || this.lingering.has(streamId)) return false;
    const opened = this.isPeerId(streamId) ? streamId <= this.highestPeerId : streamId < this.nextLocalId;
    if (opened && streamId > 0) return false;
    throw new H2UsageError(`${what}(): unknown stream ${streamId}`);
  }

  private checkResponse(_s: H2Stream, fields: readonly HeaderField[]): number {
    const head = parseResponseHead(fields);
    if (typeof head === 'string') throw new H2UsageError(`malformed response: ${head}`);
    this.checkOutboundSize(fields);
    return head.status;
  }

  /**
   * The peer's SETTINGS_MAX_HEADER_LIST_SIZE is advisory (RFC 9113 §6.5.2). A client checks its
   * request against the server's value before anything is sent (the request fails locally, as Go's
   * client does). A server sends its response anyway, as nghttp2, nginx, Envoy and Netty do: a
   * client announcing a tiny value (even 0) must not be able to make responses fail or throw
   * into the application; a client that cannot take the fields discards the response (§10.5.1).
   */
  private checkOutboundSize(fields: readonly HeaderField[]): void {
    if (this.role === 'server') return;
    const size = headerListSize(fields);
    if (size > this.peer.maxHeaderListSize) {
      throw new H2UsageError(
        `header list of ${size} octets is over the peer's SETTINGS_MAX_HEADER_LIST_SIZE ${this.peer.maxHeaderListSize}`,
      );
    }
  }

  /** After buffering: schedule DATA, or write END_STREAM / trailers at once when nothing is pending. */
  private afterEnqueue(s: H2Stream): void {
    if (s.queued) return;
    if (s.pendingBytes > 0) return this.scheduleIfReady(s);
    if (s.endQueued) this.finishBody(s, false);
  }

  /** The body's last byte is out (or there was none): write trailers or an empty END_STREAM DATA. */
  private finishBody(s: H2Stream, endWritten: boolean): void {
    if (s.trailers !== undefined) this.sink.frame(out.headers(s.id, s.trailers, true));
    else if (!endWritten) this.sink.frame(out.data(s.id, EMPTY, true));
    this.weEnded(s);
  }

  private scheduleIfReady(s: H2Stream): void {
    if (s.pendingBytes > 0 && s.sendWindow.size > 0 && !s.queued) this.scheduler.add(s);
  }

  /** We sent END_STREAM (§5.1: open → half-closed (local), half-closed (remote) → closed). */
  private weEnded(s: H2Stream): void {
    if (s.state === 'halfClosedRemote') return this.closeStream(s, 'endStream');
    s.state = 'halfClosedLocal';
    this.emit({ kind: 'localEnded', streamId: s.id });
  }

  /** The peer sent END_STREAM. */
  private peerEnded(s: H2Stream): void {
    s.inPhase = 'done';
    if (s.state === 'halfClosedLocal') this.closeStream(s, 'endStream');
    else s.state = 'halfClosedRemote';
  }

  private closeStream(s: H2Stream, cause: ClosedCause): void {
    if (s.state === 'closed') return;
    s.state = 'closed';
    this.streams.delete(s.id);
    this.scheduler.remove(s);
    if (s.counted) {
      s.counted = false;
      if (s.peerInitiated) this.peerActive--;
      else this.localActive--;
    }
    const held = s.recv.held;
    if (held > 0) {
      // Normal end: the consumer may still be reading. Reset: the data is discarded, credit back now.
      if (cause === 'endStream') this.lingering.set(s.id, held);
      else this.returnConnectionCredit(held);
    }
    this.remember(s.id, cause);
    if (cause === 'endStream') this.emit({ kind: 'streamEnded', streamId: s.id });
    if (this.streams.size === 0) this.idleSince = this.now;
    this.pump();
    this.checkDrained();
  }

  private remember(id: number, cause: ClosedCause): void {
    this.closedStreams.set(id, { cause, at: this.now });
    if (this.closedStreams.size > this.o.maxClosedStreams) {
      this.closedStreams.delete(this.closedStreams.keys().next().value as number);
    }
  }

  /** A frame for a stream we do not track: idle ⇒ connection PROTOCOL_ERROR (§5.1), else the closed answer. */
  private refuseOnUnknownStream(
    id: number,
    frame: 'DATA' | 'HEADERS' | 'RST_STREAM' | 'WINDOW_UPDATE',
  ): void {
    const idle = this.isPeerId(id)
      ? id > this.highestPeerId
      : id >= this.nextLocalId || this.streams.get(id)?.queued === true;
    if (idle) return this.connectionError('PROTOCOL_ERROR', `${frame} on idle stream ${id} (RFC 9113 §5.1)`);
    const rec = this.closedStreams.get(id);
    const cause =
      rec === undefined || (rec.cause === 'sentReset' && this.now - rec.at > this.o.resetGraceMs)
        ? undefined
        : rec.cause;
    const answer = closedStreamAnswer(cause, frame);
    if (answer === 'ignore') return;
    this.refuse(undefined, id, answer, frame);
  }

  private refuse(s: H2Stream | undefined, id: number, r: Refusal, frame: string): void {
    const message = `${frame} not allowed on stream ${id} in state ${s?.state ?? 'closed'} (RFC 9113 §5.1)`;
    if (r.scope === 'connection') this.connectionError(r.code, message);
    else this.streamError(s, id, r.code, message);
  }

  /**
   * A stream error (RFC 9113 §5.4.2): RST_STREAM, the stream closed, `streamReset` reported.
   * `peerFault` streams count against the 1024 local-reset limit.
   */
  private streamError(
    s: H2Stream | undefined,
    id: number,
    code: ErrorCode,
    message: string,
    peerFault = true,
  ): void {
    const error = new H2ProtocolError(code, 'stream', message, { streamId: id, initiator: 'remote' });
    this.writeControl(out.rstStream(id, code));
    if (s !== undefined) {
      this.closeStream(s, 'sentReset');
      this.emit({ kind: 'streamReset', streamId: id, code, by: 'local', retryable: false, error });
    } else {
      this.remember(id, 'sentReset');
    }
    if (peerFault && !this.localResets.take()) {
      this.connectionError('ENHANCE_YOUR_CALM', 'too many stream errors', 'localResets');
    }
  }

  /** A connection error (RFC 9113 §5.4.1): GOAWAY with the code, then the connection is over. */
  private connectionError(code: ErrorCode, message: string, limit?: LimitName, streamId = 0): void {
    if (this.closed) return;
    const error = new H2ProtocolError(code, 'connection', message, { streamId, initiator: 'remote' });
    this.sink.frame(out.goaway(this.highestPeerId, code, encoder.encode(message)));
    if (limit !== undefined) this.emitLimit(limit, streamId);
    this.close(code, 'local', error);
  }

  private close(code: ErrorCode, initiator: 'local' | 'remote', error: H2ProtocolError | undefined): void {
    this.closed = true;
    this.scheduler.clear();
    this.streams.clear();
    this.requestQueue.length = 0;
    this.peerActive = 0;
    this.localActive = 0;
    this.emit({ kind: 'connectionClosed', code, initiator, error });
  }

  /** After a GOAWAY either way, the connection ends once no stream is left. */
  private checkDrained(): void {
    if (this.closed || this.streams.size > 0) return;
    if (this.goawayState === 'final') this.close('NO_ERROR', 'local', undefined);
    else if (this.peerGoawayLastStreamId >= 0) this.close('NO_ERROR', 'remote', undefined);
  }

  /** Writes a frame that answers the peer (PING/SETTINGS ACK, RST_STREAM) and counts it as queued. */
  private writeControl(f: DecodedFrame): void {
    this.sink.frame(f);
    if (!this.controlQueue.take()) {
      this.connectionError(
        'ENHANCE_YOUR_CALM',
        'too many control frames queued: the peer does not read',
        'queuedControlFrames',
      );
    }
  }

  private consumeCredit(s: H2Stream, n: number): void {
    const m = Math.min(n, s.recv.held);
    const inc = s.recv.consume(m, this.now, this.rttMs);
    // §6.9: a WINDOW_UPDATE is pointless once the peer has ended its side.
    if (inc > 0 && s.inPhase !== 'done') this.sink.frame(out.windowUpdate(s.id, inc));
    this.returnConnectionCredit(m);
  }

  private returnConnectionCredit(n: number): void {
    if (n <= 0) return;
    const inc = this.connRecv.consume(n, this.now, this.rttMs);
    if (inc > 0) this.sink.frame(out.windowUpdate(0, inc));
  }

  private emitLimit(limit: LimitName, streamId: number): void {
    this.emit({ kind: 'limitExceeded', limit, streamId });
  }

  private emit(e: ConnectionEvent): void {
    this.sink.event(e);
  }
}

const EMPTY = new Uint8Array(0);

/** Our PING payloads carry a counter in the last four octets, so an ACK finds its record. */
function pingPayload(id: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setUint32(4, id);
  return b;
}

function pingKey(d: Uint8Array): number {
  if (d.length !== 8 || d[0]! | d[1]! | d[2]! | d[3]!) return -1;
  return new DataView(d.buffer, d.byteOffset, 8).getUint32(4);
}
