import type { ConsumingPuller, ServerExchange } from '@h2tubes/h2-flow';
import type { Pullable, Puller, PullSink } from '@h2tubes/tubes';
import type { Outbox, OutboxReader } from './outbox.js';
import type { ByteReceiver, WebSocketTransport } from './transport.js';

/** At most one HTTP/2 DATA frame's worth per pull, so `bufferedAmount` stays close to the truth. */
const MAX_PULL = 16_384;

/**
 * A WebSocket over an HTTP/2 stream opened with extended CONNECT (RFC 8441 §5): the 200 response
 * keeps the stream open, and DATA frames carry the WebSocket bytes both ways. The response body is
 * this transport itself, a `Pullable` h2-flow pulls one chunk at a time only when the stream and
 * connection windows allow, so frames the peer has no window for stay in the outbox. (It was a
 * ReadableStream: its state, a waiting pull's Promise and its reactions were ~3 KB per idle
 * WebSocket, and every frame went through a read() Promise.) Received DATA is acknowledged
 * (credited back to the peer's window) only through `ack`, i.e. once the application consumed it.
 */
export class H2Transport implements WebSocketTransport, OutboxReader, Pullable<Uint8Array>, Puller {
  private outbox: Outbox | undefined;
  private receiver: ByteReceiver | undefined;
  /** The request stream's puller, made at the first pull of the response body. */
  private puller: ConsumingPuller | undefined;
  /** Who pulls the response body: h2-flow, once the 200 HEADERS went out. */
  private responseSink: PullSink<Uint8Array> | undefined;
  /** A request of the response body waits for the outbox. */
  private waiting = false;
  /** h2-flow cancelled the response body: a request answered late must not reach it. */
  private cancelled = false;

  constructor(private readonly exchange: ServerExchange) {}

  get pending(): number {
    return 0;
  }

  start(receiver: ByteReceiver, outbox: Outbox): void {
    this.receiver = receiver;
    this.outbox = outbox;
  }

  ack(octets: number): void {
    this.puller?.consumed(octets);
  }

  pause(): void {}
  resume(): void {}

  abort(): void {
    try {
      this.exchange.reset('CANCEL');
    } catch {
      // The stream is already gone.
    }
  }

  /** The response body (`Pullable`): h2-flow pulls it through this transport (`request`, `cancel`). */
  pull(sink: PullSink<Uint8Array>): Puller {
    if (this.responseSink !== undefined) {
      sink.error(new Error('a WebSocket response body can be pulled once'));
      return { request() {}, cancel() {} };
    }
    this.responseSink = sink;
    return this;
  }

  /**
   * h2-flow asks for the next chunk of the response body when it has room to send. The first
   * request comes once the 200 HEADERS went out: the moment the WebSocket is open (RFC 8441 §5:
   * "the WebSocket connection is established").
   */
  request(): void {
    if (this.cancelled) return;
    if (this.puller === undefined) {
      // Open first: DATA the client sent before our 200 is delivered as soon as we listen, and
      // its messages must find the socket open (RFC 8441 §5), not be dropped as early.
      (this.receiver as ByteReceiver).opened();
      this.listen();
    }
    // upgradeWebSocket() starts the socket before it returns the Response that brings us here.
    const outbox = this.outbox as Outbox;
    const sink = this.responseSink as PullSink<Uint8Array>;
    const chunk = outbox.takeJoined(MAX_PULL);
    if (chunk !== undefined) sink.next(chunk, false);
    else if (outbox.ended) sink.complete();
    else {
      this.waiting = true;
      outbox.onReady(this);
    }
  }

  /** The response body is no longer wanted (the stream was reset or the connection lost). */
  cancel(): void {
    this.waiting = false;
    this.cancelled = true;
    this.receiver?.error(new Error('the HTTP/2 stream was cancelled'));
  }

  /**
   * The outbox has a frame, or ended: the waiting request takes it at the end of this turn, with
   * whatever else the application sends in the same turn (`takeJoined`).
   */
  outboxReady(): void {
    if (!this.waiting) return;
    this.waiting = false;
    process.nextTick(requestSoon, this);
  }

  /**
   * Reads the request stream's DATA: every chunk is taken at once, its credit going back only as
   * `ack` reports it consumed. This transport is the puller's sink (methods `next`/`error`/
   * `complete`), so no closures are kept per socket. A reset stream or a lost connection reaches
   * the socket through this puller's `error` and the response body's `cancel`, so the exchange's
   * AbortSignal is not listened to (it is made only when asked for: ~700 B per idle WebSocket).
   */
  private listen(): void {
    const puller = this.exchange.body.pullConsuming(this);
    this.puller = puller;
    puller.request();
  }

  /** @internal PullSink: a chunk of the request stream. */
  next(chunk: Uint8Array): void {
    (this.receiver as ByteReceiver).chunk(chunk);
    (this.puller as ConsumingPuller).request();
  }

  /** @internal PullSink: the request stream failed. */
  error(e: unknown): void {
    (this.receiver as ByteReceiver).error(e);
  }

  /** @internal PullSink: the peer ended its side of the stream. */
  complete(): void {
    (this.receiver as ByteReceiver).end();
  }
}

function requestSoon(transport: H2Transport): void {
  transport.request();
}
