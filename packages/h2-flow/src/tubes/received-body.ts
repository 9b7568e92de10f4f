import { H2UsageError } from '@h2tubes/h2-frames';
import { Observable, type Subscriber } from 'rxjs';
import type { ReceivedBody } from './exchange-types.js';

/** What a received body needs from its connection: returning credit (RFC 9113 §6.9). */
export interface CreditReturn {
  consume(streamId: number, octets: number): void;
}

/**
 * The receive side of one stream as a pulled body (DESIGN.md backpressure rule 2). Chunks that
 * arrive before anyone subscribes are held, un-acknowledged: the peer's window for this stream
 * bounds them. Auto mode acknowledges a chunk when the subscriber's `next` returns; manual mode
 * leaves it to `ack(n)`. Unsubscribing early switches to discarding: everything held and
 * everything still to come is acknowledged, so the connection window is not starved; and
 * `onAbandoned` tells the owner, who may reset the stream (a client does, with CANCEL) so the
 * peer stops sending what nobody will read.
 */
export class StreamBody implements ReceivedBody {
  readonly chunks: Observable<Uint8Array>;
  private held: Uint8Array[] = [];
  private subscriber: Subscriber<Uint8Array> | undefined;
  private subscribed = false;
  private manual = false;
  private discarding = false;
  private ended = false;
  private failure: unknown;
  private failed = false;

  constructor(
    private readonly streamId: number,
    private readonly credit: CreditReturn,
    private readonly onAbandoned?: () => void,
  ) {
    this.chunks = new Observable<Uint8Array>((subscriber) => {
      if (this.subscribed) {
        subscriber.error(new H2UsageError(`the body of stream ${this.streamId} can be subscribed once`));
        return;
      }
      this.subscribed = true;
      this.subscriber = subscriber;
      const held = this.held;
      this.held = [];
      for (let i = 0; i < held.length; i++) {
        if (subscriber.closed) {
          // Stopped within the held chunks: the teardown below returns their credit.
          this.held = held.slice(i);
          break;
        }
        this.deliver(subscriber, held[i] as Uint8Array);
      }
      if (this.failed) subscriber.error(this.failure);
      else if (this.ended) subscriber.complete();
      return () => {
        this.subscriber = undefined;
        // The owner's reset first: what is then acknowledged credits the connection only, with
        // no WINDOW_UPDATE for a stream that is gone.
        if (!this.ended && !this.failed) this.onAbandoned?.();
        this.discard();
      };
    });
  }

  /** Someone is subscribed and still taking chunks (the body has not ended, failed or been left). */
  get reading(): boolean {
    return this.subscriber !== undefined && !this.discarding && !this.ended;
  }

  manualAck(): void {
    if (this.subscribed) throw new H2UsageError('manualAck() must be called before subscribing');
    this.manual = true;
  }

  ack(octets: number): void {
    if (octets > 0) this.credit.consume(this.streamId, octets);
  }

  /** DATA arrived for this stream. */
  push(data: Uint8Array): void {
    if (this.discarding) return this.ack(data.length);
    const s = this.subscriber;
    if (s === undefined) this.held.push(data);
    else this.deliver(s, data);
  }

  end(): void {
    if (this.ended || this.failed) return;
    this.ended = true;
    this.subscriber?.complete();
  }

  fail(e: unknown): void {
    if (this.ended || this.failed) return;
    this.failed = true;
    this.failure = e;
    // The stream is gone, but what it holds still counts against the connection window
    // (DESIGN.md pitfall: DATA of a reset stream must be credited back).
    this.discard();
    this.subscriber?.error(e);
  }

  private deliver(s: Subscriber<Uint8Array>, c: Uint8Array): void {
    s.next(c);
    if (!this.manual) this.ack(c.length);
  }

  /** From now on every held and arriving octet is acknowledged unread. */
  private discard(): void {
    if (this.discarding) return;
    this.discarding = true;
    let n = 0;
    for (const c of this.held) n += c.length;
    this.held = [];
    this.ack(n);
  }
}
