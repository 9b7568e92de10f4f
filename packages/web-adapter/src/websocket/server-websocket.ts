import { defaultReportError, type ReportError } from '@h2tubes/h2-flow';
import {
  type CloseInfo,
  DEFAULT_LIMITS,
  type EndpointSink,
  WebSocketEndpoint,
  type WebSocketLimits,
  type WebSocketMessage,
} from '@h2tubes/websocket/core';
import { Observable, type Subscriber, type Subscription } from 'rxjs';
import type { OpenWebSockets } from './open-websockets.js';
import { Outbox } from './outbox.js';
import type { ByteReceiver, WebSocketTransport } from './transport.js';

/** Options of `upgradeWebSocket`. */
export interface WebSocketOptions extends Partial<WebSocketLimits> {
  /** The subprotocol to accept, if the client offered it (Sec-WebSocket-Protocol). */
  readonly protocol?: string;
  /** Wait this long for the peer's Close after ours, then drop the connection (1006). Default 5 s. */
  readonly closeTimeoutMs?: number;
  /**
   * Most octets of outgoing frames held for this socket (`bufferedAmount`). A `send` that would go
   * past it is not queued: what is queued is dropped and the connection is failed with 1008
   * (policy violation), since the peer is not reading. Default 16 MiB.
   */
  readonly maxBufferedAmount?: number;
  /** Fill level below which `sendFrom` takes the next message from its Observable. Default 64 KiB. */
  readonly sendHighWaterMark?: number;
  /**
   * Receives what a listener of this socket threw: the socket catches it (Node would end the
   * process over an exception from an EventTarget listener) and goes on delivering. Default
   * `defaultReportError`: one `[h2tubes] ... failed:` line on stderr.
   */
  readonly reportError?: ReportError;
}

const DEFAULT_CLOSE_TIMEOUT_MS = 5_000;
const DEFAULT_MAX_BUFFERED = 16 * 1024 * 1024;
const DEFAULT_SEND_HIGH_WATER_MARK = 64 * 1024;

/** The WebSocket API's CloseEvent (a global only from Node 23). */
export class WebSocketCloseEvent extends Event {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
  constructor(info: CloseInfo) {
    super('close');
    this.code = info.code;
    this.reason = info.reason;
    this.wasClean = info.wasClean;
  }
}

type Handler<E extends Event> = ((event: E) => void) | null;

/**
 * The server's end of a WebSocket, shaped like the WebSocket API (what Deno's and Hono's
 * `upgradeWebSocket` hand out): `send`, `close`, `readyState`, `bufferedAmount`, `binaryType`,
 * `onopen`/`onmessage`/`onclose`/`onerror` and `addEventListener`; plus an Rx form: `incoming`
 * (messages as an Observable) and `sendFrom` (outgoing messages pulled from an Observable).
 *
 * Backpressure: received bytes are credited back to the peer (HTTP/2 stream window; TCP reading)
 * only once the messages they carry were consumed — when a `message` event's listeners returned,
 * or, with `manualAck()`, when `ack()` is called. Outgoing frames wait in a queue for the window
 * or the socket; `bufferedAmount` reports it and `maxBufferedAmount` bounds it.
 */
export class ServerWebSocket extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSING = 2;
  readonly CLOSED = 3;

  /** 'arraybuffer' (default) gives binary messages as ArrayBuffers, 'blob' as Blobs. */
  binaryType: 'arraybuffer' | 'blob' = 'arraybuffer';
  /** Extensions are never negotiated (permessage-deflate is declined). */
  readonly extensions = '';
  private state = 0;
  /** The server shut down before this socket opened: close with 1001 once it does. */
  private goAwayOnOpen = false;
  private readonly outbox = new Outbox();
  private readonly endpoint: WebSocketEndpoint;
  /** What the codec and the transport call back into. */
  private readonly wiring: SocketWiring;
  private readonly maxBuffered: number;
  private readonly highWaterMark: number;
  private closeTimer: ReturnType<typeof setTimeout> | undefined;
  /** How it ended, once closed. */
  private closeInfo: CloseInfo | undefined;
  /** `closed`, made when first asked for (most sockets are never asked). */
  private closedPromise: Promise<CloseInfo> | undefined;
  private resolveClosed: ((info: CloseInfo) => void) | undefined;
  /** The server's set this socket is in until it closes (see OpenWebSockets). */
  private tracker: OpenWebSockets | undefined;
  // The on* handlers, each in a field of its own (a Map would cost ~180 B per socket).
  private openHandler: Handler<Event> = null;
  private messageHandler: Handler<MessageEvent> = null;
  private closeHandler: Handler<WebSocketCloseEvent> = null;
  private errorHandler: Handler<Event> = null;
  /** Each listener's guarded stand-in (what EventTarget holds), made at the first listener. */
  private guarded: WeakMap<object, GuardedListener> | undefined;
  /** Received chunks not yet fed to the codec (waiting for the application to consume). */
  private readonly inbox: Uint8Array[] = [];
  private manual = false;
  private unacked = 0;
  private owed = 0;
  private pumping = false;
  private incomingSubscriber: Subscriber<WebSocketMessage> | undefined;
  private incomingTaken = false;
  private readonly sendQueue: WebSocketMessage[] = [];
  /** Octets (UTF-16 units for text, before encoding) of the messages in `sendQueue`. */
  private sendQueueSize = 0;

  /**
   * Made by `upgradeWebSocket` over the transport it opened (HTTP/2 stream or HTTP/1.1 socket),
   * not by applications.
   * @internal
   */
  constructor(
    private readonly connection: WebSocketTransport,
    readonly url: string,
    readonly protocol: string,
    /** How it was opened: HTTP/2 extended CONNECT (RFC 8441) or an HTTP/1.1 Upgrade (RFC 6455 §4). */
    readonly transport: 'h2' | 'http/1.1',
    private readonly options: WebSocketOptions = {},
  ) {
    super();
    this.maxBuffered = options.maxBufferedAmount ?? DEFAULT_MAX_BUFFERED;
    this.highWaterMark = options.sendHighWaterMark ?? DEFAULT_SEND_HIGH_WATER_MARK;
    this.wiring = new SocketWiring(this, this.outbox);
    this.endpoint = new WebSocketEndpoint(
      {
        role: 'server',
        maxFrameSize: options.maxFrameSize ?? DEFAULT_LIMITS.maxFrameSize,
        maxMessageSize: options.maxMessageSize ?? DEFAULT_LIMITS.maxMessageSize,
        maxFragments: options.maxFragments ?? DEFAULT_LIMITS.maxFragments,
      },
      this.wiring,
    );
  }

  /** Begins once the handler's response goes out (internal: called by `upgradeWebSocket`). */
  start(): void {
    this.connection.start(this.wiring, this.outbox);
  }

  /** Resolves once closed, however it ended. */
  get closed(): Promise<CloseInfo> {
    if (this.closedPromise === undefined) {
      const info = this.closeInfo;
      this.closedPromise =
        info !== undefined
          ? Promise.resolve(info)
          : new Promise<CloseInfo>((resolve) => {
              this.resolveClosed = resolve;
            });
    }
    return this.closedPromise;
  }

  get readyState(): number {
    return this.state;
  }

  /** Octets queued by `send` (and `sendFrom`) not yet handed to the connection. */
  get bufferedAmount(): number {
    return this.outbox.size + this.connection.pending + this.sendQueueSize;
  }

  /**
   * Sends a message: a string as Text, bytes (ArrayBuffer or a view) as Binary. Throws an
   * InvalidStateError before `open` (as the WebSocket API does); ignored once closing.
   */
  send(data: string | ArrayBufferLike | ArrayBufferView): void {
    if (this.state === 0) throw new DOMException('the WebSocket is not open yet', 'InvalidStateError');
    if (this.state !== 1) return;
    const message = typeof data === 'string' ? data : toBytes(data);
    if (this.bufferedAmount + sizeOf(message) > this.maxBuffered) return this.overflow();
    this.endpoint.send(message);
  }

  /**
   * Starts the close handshake. `code` is 1000 or 3000–4999 and `reason` at most 123 bytes of
   * UTF-8, as in the WebSocket API (InvalidAccessError / SyntaxError otherwise).
   */
  close(code?: number, reason?: string): void {
    if (code !== undefined && code !== 1000 && !(code >= 3000 && code <= 4999))
      throw new DOMException(`close code ${code}`, 'InvalidAccessError');
    if (reason !== undefined && new TextEncoder().encode(reason).length > 123)
      throw new DOMException('the close reason is over 123 bytes', 'SyntaxError');
    this.startClosing(code, reason ?? '');
  }

  /**
   * The server is shutting down: the close handshake starts with 1001 Going Away (RFC 6455
   * §7.4.1), a code the WebSocket API's `close` does not allow; before `open`, right after it.
   * @internal Called by the server's `close()` (see OpenWebSockets).
   */
  goAway(): void {
    if (this.state === 0) this.goAwayOnOpen = true;
    else this.startClosing(1001, 'the server is shutting down');
  }

  /**
   * Joins the server's open sockets; `onClose` tells them when it closed (a field, where a
   * `closed.then` would keep a Promise, a reaction and a closure per socket).
   * @internal Called by OpenWebSockets.
   */
  trackIn(tracker: OpenWebSockets): void {
    this.tracker = tracker;
  }

  // --- what SocketWiring forwards (internal) ---

  /** @internal The transport is live (HTTP/2: the first pull of the 200's body; HTTP/1.1: 101 written). */
  transportOpened(): void {
    if (this.state !== 0) return;
    this.state = 1;
    this.dispatchEvent(new Event('open'));
    if (this.goAwayOnOpen) this.goAway();
    this.drainSendQueue();
  }

  /** @internal Bytes from the peer. */
  transportChunk(chunk: Uint8Array): void {
    this.inbox.push(chunk);
    this.pump();
  }

  /** @internal The transport ended or failed: closed with 1006 (RFC 6455 §7.1.5). */
  transportLost(reason: string): void {
    this.endpoint.abort(reason);
  }

  /** @internal The peer sent Close first; ours is already written (§5.5.1). */
  peerClosing(): void {
    this.state = 2;
  }

  /**
   * Received messages as an Observable (subscribe once; it completes on close). A message counts
   * as consumed when `next` returns, unless `manualAck()` was called first: then each needs an
   * `ack()`, and until then no more bytes are credited back to the peer.
   */
  get incoming(): Observable<WebSocketMessage> {
    return new Observable<WebSocketMessage>((subscriber) => {
      if (this.incomingTaken) {
        subscriber.error(new Error('incoming can be subscribed once'));
        return;
      }
      this.incomingTaken = true;
      if (this.state === 3) {
        subscriber.complete();
        return;
      }
      this.incomingSubscriber = subscriber;
      return () => {
        this.incomingSubscriber = undefined;
        this.ack(this.unacked);
      };
    });
  }

  /** Switches `incoming` to explicit consumption (call before subscribing). */
  manualAck(): void {
    this.manual = true;
  }

  /** `n` messages delivered through `incoming` have been consumed. */
  ack(n = 1): void {
    if (n <= 0 || this.unacked === 0) return;
    this.unacked = Math.max(0, this.unacked - n);
    if (this.unacked > 0 || this.pumping) return;
    this.connection.ack(this.owed);
    this.owed = 0;
    this.pump();
  }

  /**
   * Sends every message of `source` in order, taking the next one only while `bufferedAmount` is
   * under `sendHighWaterMark` (an Observable cannot be paused, so what it emits early waits here,
   * counted in `bufferedAmount` and bounded by `maxBufferedAmount`). Unsubscribed on close.
   */
  sendFrom(source: Observable<WebSocketMessage>): Subscription {
    const subscription = source.subscribe({
      next: (m) => {
        // Before open, messages wait here (sent on open); after close they are dropped.
        if (this.state >= 2) return;
        this.sendQueue.push(m);
        this.sendQueueSize += sizeOf(m);
        if (this.bufferedAmount > this.maxBuffered) return this.overflow();
        this.drainSendQueue();
      },
    });
    void this.closed.then(() => subscription.unsubscribe());
    return subscription;
  }

  /**
   * Listeners run guarded: in Node an exception thrown by an EventTarget listener becomes an
   * uncaught exception that ends the process; here it is logged (one line) and the socket goes on,
   * as a throwing Fetch handler answers 500 instead of crashing the server.
   */
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: AddEventListenerOptions | boolean,
  ): void {
    if (listener === null) return;
    this.guarded ??= new WeakMap();
    let guarded = this.guarded.get(listener);
    if (guarded === undefined) {
      guarded = new GuardedListener(this, listener);
      this.guarded.set(listener, guarded);
    }
    super.addEventListener(type, guarded, options);
  }

  override removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: EventListenerOptions | boolean,
  ): void {
    const guarded = listener === null ? undefined : this.guarded?.get(listener);
    if (guarded !== undefined) super.removeEventListener(type, guarded, options);
  }

  // --- on* handler properties, as on the WebSocket API ---
  get onopen(): Handler<Event> {
    return this.openHandler;
  }
  set onopen(f: Handler<Event>) {
    this.openHandler = this.replaceHandler('open', this.openHandler, f);
  }
  get onmessage(): Handler<MessageEvent> {
    return this.messageHandler;
  }
  set onmessage(f: Handler<MessageEvent>) {
    this.messageHandler = this.replaceHandler('message', this.messageHandler, f);
  }
  get onclose(): Handler<WebSocketCloseEvent> {
    return this.closeHandler;
  }
  set onclose(f: Handler<WebSocketCloseEvent>) {
    this.closeHandler = this.replaceHandler('close', this.closeHandler, f);
  }
  get onerror(): Handler<Event> {
    return this.errorHandler;
  }
  set onerror(f: Handler<Event>) {
    this.errorHandler = this.replaceHandler('error', this.errorHandler, f);
  }

  /** Swaps the listener of an on* property: `f` if it is a function, else none. */
  private replaceHandler<E extends Event>(type: string, old: Handler<E>, f: Handler<E>): Handler<E> {
    if (old !== null) this.removeEventListener(type, old as EventListener);
    if (typeof f !== 'function') return null;
    this.addEventListener(type, f as EventListener);
    return f;
  }

  /** @internal What a listener threw (see `addEventListener`). */
  reportListenerError(e: unknown, event: Event): void {
    (this.options.reportError ?? defaultReportError)(e, { what: `a WebSocket '${event.type}' listener` });
  }

  /** Sends our Close and waits for the peer's, at most `closeTimeoutMs` (RFC 6455 §7.1.2). */
  private startClosing(code: number | undefined, reason: string): void {
    if (this.state >= 2) return;
    this.state = 2;
    this.endpoint.close(code, reason);
    this.closeTimer = setTimeout(
      () => this.endpoint.abort('closing timeout'),
      this.options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS,
    );
  }

  /** Feeds received chunks to the codec while the application keeps up (see `ack`). */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.unacked === 0 && this.inbox.length > 0) {
        const chunk = this.inbox.shift() as Uint8Array;
        this.endpoint.receive(chunk);
        if (this.unacked > 0) {
          // Messages of this chunk wait for the application: its credit waits with them.
          this.owed += chunk.length;
          this.connection.pause();
          return;
        }
        this.connection.ack(chunk.length);
      }
      if (this.inbox.length === 0) this.connection.resume();
    } finally {
      this.pumping = false;
    }
  }

  /** @internal A whole message from the codec. */
  deliver(m: WebSocketMessage): void {
    // Only while OPEN: the transports open the socket before they feed it, and the codec delivers
    // no message once a Close was sent or received.
    const subscriber = this.incomingSubscriber;
    if (subscriber !== undefined) {
      if (this.manual) this.unacked++;
      subscriber.next(m);
    }
    if (typeof m === 'string') this.dispatchEvent(new MessageEvent('message', { data: m }));
    else {
      const data = this.binaryType === 'blob' ? new Blob([exactBuffer(m)]) : exactBuffer(m);
      this.dispatchEvent(new MessageEvent('message', { data }));
    }
  }

  private drainSendQueue(): void {
    while (this.state === 1 && this.sendQueue.length > 0 && this.outbox.size < this.highWaterMark) {
      const m = this.sendQueue.shift() as WebSocketMessage;
      this.sendQueueSize -= sizeOf(m);
      this.endpoint.send(m);
    }
    // The transport taking bytes is what makes room: come back then.
    this.outbox.onTaken(
      this.sendQueue.length > 0 && this.state === 1 ? () => this.drainSendQueue() : undefined,
    );
  }

  /** The peer is not reading and the queue hit `maxBufferedAmount`: fail with 1008. */
  private overflow(): void {
    this.sendQueue.length = 0;
    this.sendQueueSize = 0;
    this.outbox.clear();
    this.endpoint.fail(1008, 'the peer does not read: send buffer over maxBufferedAmount');
  }

  /** @internal The codec says the WebSocket is closed (handshake done, failed or lost). */
  onClosed(info: CloseInfo): void {
    if (this.closeTimer !== undefined) clearTimeout(this.closeTimer);
    const clean = info.wasClean;
    this.state = 3;
    this.inbox.length = 0;
    this.sendQueue.length = 0;
    this.sendQueueSize = 0;
    if (this.owed > 0) this.connection.ack(this.owed);
    this.owed = 0;
    this.outbox.onTaken(undefined);
    // After a handshake or a failure with a Close frame, the transport flushes it and ends (a
    // server closes first, RFC 6455 §7.1.1); a lost transport or a timeout (1006) is dropped.
    this.outbox.end();
    if (info.code === 1006) this.connection.abort();
    this.closeInfo = info;
    this.resolveClosed?.(info);
    this.resolveClosed = undefined;
    this.tracker?.forget(this);
    this.tracker = undefined;
    this.incomingSubscriber?.complete();
    this.incomingSubscriber = undefined;
    if (!clean) this.dispatchEvent(new Event('error'));
    this.dispatchEvent(new WebSocketCloseEvent(info));
  }
}

/**
 * The socket's callbacks for its codec (EndpointSink) and its transport (ByteReceiver), as one
 * object with methods: an idle socket keeps it instead of eight closures and their two objects.
 */
class SocketWiring implements EndpointSink, ByteReceiver {
  constructor(
    private readonly socket: ServerWebSocket,
    private readonly outbox: Outbox,
  ) {}

  // EndpointSink
  write(bytes: Uint8Array): void {
    this.outbox.push(bytes);
  }
  message(m: WebSocketMessage): void {
    this.socket.deliver(m);
  }
  peerClosing(): void {
    this.socket.peerClosing();
  }
  closed(info: CloseInfo): void {
    this.socket.onClosed(info);
  }

  // ByteReceiver
  opened(): void {
    this.socket.transportOpened();
  }
  chunk(bytes: Uint8Array): void {
    this.socket.transportChunk(bytes);
  }
  end(): void {
    this.socket.transportLost('the peer ended the stream without a Close');
  }
  error(e: unknown): void {
    this.socket.transportLost(e instanceof Error ? e.message : String(e));
  }
}

/**
 * A listener as EventTarget holds it: calls the application's listener with the socket as `this`
 * and reports what it throws instead of letting Node end the process (see `addEventListener`).
 * An object with `handleEvent`, where a closure would keep a Context too.
 */
class GuardedListener {
  constructor(
    private readonly socket: ServerWebSocket,
    private readonly listener: EventListenerOrEventListenerObject,
  ) {}

  handleEvent(event: Event): void {
    const listener = this.listener;
    try {
      if (typeof listener === 'function') listener.call(this.socket, event);
      else listener.handleEvent(event);
    } catch (e) {
      this.socket.reportListenerError(e, event);
    }
  }
}

function sizeOf(m: WebSocketMessage): number {
  return typeof m === 'string' ? m.length : m.byteLength;
}

function toBytes(data: ArrayBufferLike | ArrayBufferView): Uint8Array {
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

function exactBuffer(bytes: Uint8Array): ArrayBuffer {
  // Received payloads are never backed by a SharedArrayBuffer.
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength)
    return bytes.buffer as ArrayBuffer;
  return bytes.slice().buffer as ArrayBuffer;
}
