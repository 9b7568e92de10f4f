import type { ConsumingPuller, ServerExchange } from '@h2tubes/h2-flow';
import type { Outbox } from './outbox.js';
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
export class H2Transport implements WebSocketTransport {
  /** The response body: status 200 answers the CONNECT; the stream ends when the outbox does. */
  readonly body: ReadableStream<Uint8Array>;
  private outbox: Outbox | undefined;
  private opened: (() => void) | undefined;
  private receiver: ByteReceiver | undefined;
  private puller: ConsumingPuller | undefined;

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

  start(receiver: ByteReceiver, outbox: Outbox, opened: () => void): void {
    this.receiver = receiver;
    this.outbox = outbox;
    this.opened = opened;
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
    const opened = this.opened;
    if (opened !== undefined) {
      this.opened = undefined;
      // Open first: DATA the client sent before our 200 is delivered as soon as we listen, and
      // its messages must find the socket open (RFC 8441 §5), not be dropped as early.
      opened();
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
    return new Promise<void>((resolve) => outbox.onReady(() => resolve(this.pull(controller))));
  }

  private listen(): void {
    const receiver = this.receiver as ByteReceiver;
    // Every chunk is taken at once; its credit goes back only as `ack` reports it consumed.
    const puller = this.exchange.body.pullConsuming({
      next: (c) => {
        receiver.chunk(c);
        puller.request();
      },
      error: (e: unknown) => receiver.error(e),
      complete: () => receiver.end(),
    });
    this.puller = puller;
    puller.request();
    this.exchange.signal.addEventListener('abort', () => receiver.error(new Error('the stream was reset')), {
      once: true,
    });
  }
}
