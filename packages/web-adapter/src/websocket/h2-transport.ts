import type { ConsumingPuller, ServerExchange } from '@h2tubes/h2-flow';
import type { Outbox, OutboxReader } from './outbox.js';
import type { ByteReceiver, WebSocketTransport } from './transport.js';

/** At most one HTTP/2 DATA frame's worth per pull, so `bufferedAmount` stays close to the truth. */
const MAX_PULL = 16_384;

/**
 * A WebSocket over an HTTP/2 stream opened with extended CONNECT (RFC 8441 §5): the 200 response
 * keeps the stream open, and DATA frames carry the WebSocket bytes both ways. The response body is
 * a ReadableStream pulled by h2-flow only when the stream and connection windows allow, so frames
 * the peer has no window for stay in the outbox. Received DATA is acknowledged (credited back to
 * the peer's window) only through `ack`, i.e. once the application consumed it.
 */
export class H2Transport implements WebSocketTransport, OutboxReader {
  /** The response body: status 200 answers the CONNECT; the stream ends when the outbox does. */
  readonly body: ReadableStream<Uint8Array>;
  private outbox: Outbox | undefined;
  private receiver: ByteReceiver | undefined;
  private puller: ConsumingPuller | undefined;
  /** A pull waiting for the outbox: its stream's controller and how to settle it. */
  private waitingController: ReadableStreamDefaultController<Uint8Array> | undefined;
  private settleWaitingPull: ((settled: Promise<void> | undefined) => void) | undefined;

  constructor(private readonly exchange: ServerExchange) {
    this.body = new ReadableStream<Uint8Array>(
      {
        pull: (controller) => this.pull(controller),
        cancel: () => this.receiver?.error(new Error('the HTTP/2 stream was cancelled')),
      },
      { highWaterMark: 0 },
    );
  }

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

  /**
   * h2-flow pulls the body once it sent the 200 HEADERS and has room to send: the first pull is
   * the moment the WebSocket is open (RFC 8441 §5: "the WebSocket connection is established").
   */
  private pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> | undefined {
    if (this.puller === undefined) {
      // Open first: DATA the client sent before our 200 is delivered as soon as we listen, and
      // its messages must find the socket open (RFC 8441 §5), not be dropped as early.
      (this.receiver as ByteReceiver).opened();
      this.listen();
    }
    // upgradeWebSocket() starts the socket before it returns the Response whose body this is.
    const outbox = this.outbox as Outbox;
    const chunk = outbox.take(MAX_PULL);
    if (chunk !== undefined) {
      controller.enqueue(chunk);
      return undefined;
    }
    if (outbox.ended) {
      controller.close();
      return undefined;
    }
    return new Promise<void>((resolve) => {
      this.waitingController = controller;
      this.settleWaitingPull = resolve;
      outbox.onReady(this);
    });
  }

  /** The outbox has a frame, or ended: the waiting pull takes it. */
  outboxReady(): void {
    // Only a waiting pull registers with the outbox, which calls back once: both are set.
    const settle = this.settleWaitingPull as (settled: Promise<void> | undefined) => void;
    const controller = this.waitingController as ReadableStreamDefaultController<Uint8Array>;
    this.settleWaitingPull = undefined;
    this.waitingController = undefined;
    settle(this.pull(controller));
  }

  /**
   * Reads the request stream's DATA: every chunk is taken at once, its credit going back only as
   * `ack` reports it consumed. This transport is the puller's sink and the reset signal's listener
   * (methods `next`/`error`/`complete` and `handleEvent`), so no closures are kept per socket.
   */
  private listen(): void {
    const puller = this.exchange.body.pullConsuming(this);
    this.puller = puller;
    puller.request();
    this.exchange.signal.addEventListener('abort', this, { once: true });
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

  /** @internal The exchange's signal aborted: RST_STREAM or the connection lost. */
  handleEvent(): void {
    (this.receiver as ByteReceiver).error(new Error('the stream was reset'));
  }
}
