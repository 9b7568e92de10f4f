import { H2UsageError } from '@h2tubes/h2-frames';
import type { Puller, PullSink } from '@h2tubes/tubes';
import { Observable } from 'rxjs';
import type { ConsumingPuller, ReceivedBody } from './exchange-types.js';

/** Where a received body's credit goes: the connection, which sends WINDOW_UPDATE (RFC 9113 §6.9). */
export interface CreditSink {
  consume(streamId: number, octets: number): void;
}

/** When the octets of a pulled chunk are credited back to the peer. */
type CreditWhen = 'taken' | 'consumed';

/**
 * The receive side of one stream as a pull source (DESIGN.md backpressure rule 2; the `Puller`
 * protocol of `@h2tubes/tubes`). DATA that arrives before it is pulled is held here un-credited:
 * the peer's window for this stream bounds it. Each `request()` delivers the next chunk; its octets
 * are credited back when the sink's `next` returns (`pull`) or as the consumer reports them
 * `consumed` (`pullConsuming`). Cancelling switches to discarding: everything held, still owed
 * and still to come is credited, so the connection window is not starved; and `onAbandoned` tells
 * the owner, who may reset the stream (a client does, with CANCEL) so the peer stops sending what
 * nobody will read.
 */
export class StreamBody implements ReceivedBody {
  private held: Uint8Array[] = [];
  private head = 0;
  private sink: PullSink<Uint8Array> | undefined;
  private pulled = false;
  private creditWhen: CreditWhen = 'taken';
  /** A request not answered yet (nothing was held). */
  private asked = false;
  /** Octets delivered under 'consumed' and not reported consumed yet. */
  private owed = 0;
  private discarding = false;
  private ended = false;
  private failure: unknown;
  private failed = false;
  private cancelled = false;
  /** The consumer asked at least once (a ReadableStream made but never read has not). */
  private requested = false;

  constructor(
    private readonly streamId: number,
    private readonly credit: CreditSink,
    private readonly onAbandoned?: () => void,
  ) {}

  /** Someone pulls (asked at least once, not cancelled) and the body has not ended or failed. */
  get reading(): boolean {
    return this.requested && !this.cancelled && !this.discarding && !this.ended && !this.failed;
  }

  pull(sink: PullSink<Uint8Array>): Puller {
    return this.start(sink, 'taken');
  }

  pullConsuming(sink: PullSink<Uint8Array>): ConsumingPuller {
    return this.start(sink, 'consumed');
  }

  /** The same pull as an Observable that asks for the next chunk as soon as `next` returns. */
  get chunks(): Observable<Uint8Array> {
    return new Observable<Uint8Array>((subscriber) => {
      let done = false;
      let answered = false;
      let pumping = false;
      const puller = this.pull({
        next: (c) => {
          answered = true;
          subscriber.next(c);
          if (!pumping) pump(); // answered later, when DATA came: ask for the next one
        },
        complete: () => {
          done = true;
          subscriber.complete();
        },
        error: (e) => {
          done = true;
          subscriber.error(e);
        },
      });
      // A loop, not recursion: thousands of held chunks must not deepen the stack.
      const pump = (): void => {
        pumping = true;
        do {
          answered = false;
          puller.request();
        } while (answered && !done && !subscriber.closed);
        pumping = false;
      };
      pump();
      return () => puller.cancel();
    });
  }

  /** DATA arrived for this stream. */
  push(data: Uint8Array): void {
    if (this.discarding) return this.give(data.length);
    if (this.asked) {
      this.asked = false;
      this.deliver(data);
    } else this.held.push(data);
  }

  end(): void {
    if (this.ended || this.failed) return;
    this.ended = true;
    if (this.asked && this.sink !== undefined) {
      this.asked = false;
      this.sink.complete();
    }
  }

  fail(e: unknown): void {
    if (this.ended || this.failed) return;
    this.failed = true;
    this.failure = e;
    // The stream is gone, but what it holds still counts against the connection window
    // (DESIGN.md pitfall: DATA of a reset stream must be credited back).
    this.discard();
    const sink = this.sink;
    if (sink !== undefined && !this.cancelled) {
      this.asked = false;
      sink.error(e); // unasked too: a consumer waiting for its next request must hear of it
    }
  }

  private start(sink: PullSink<Uint8Array>, creditWhen: CreditWhen): ConsumingPuller {
    if (this.pulled) {
      sink.error(new H2UsageError(`the body of stream ${this.streamId} can be pulled once`));
      return { request() {}, cancel() {}, consumed() {} };
    }
    this.pulled = true;
    this.sink = sink;
    this.creditWhen = creditWhen;
    return {
      request: () => this.request(),
      cancel: () => this.cancel(),
      consumed: (octets: number) => this.consumed(octets),
    };
  }

  private request(): void {
    const sink = this.sink;
    if (sink === undefined || this.cancelled) return;
    this.requested = true;
    if (this.head < this.held.length) {
      const c = this.held[this.head] as Uint8Array;
      this.held[this.head++] = EMPTY;
      if (this.head === this.held.length) {
        this.held = [];
        this.head = 0;
      }
      this.deliver(c);
    } else if (this.failed) sink.error(this.failure);
    else if (this.ended) sink.complete();
    else this.asked = true;
  }

  private deliver(c: Uint8Array): void {
    const sink = this.sink as PullSink<Uint8Array>;
    const last = this.ended && this.head === this.held.length;
    if (this.creditWhen === 'consumed') {
      this.owed += c.length;
      sink.next(c, last);
    } else {
      sink.next(c, last);
      // Taken: the sink has it now, so the peer may send as much again.
      this.give(c.length);
    }
  }

  private consumed(octets: number): void {
    // After a cancel or failure the owed octets were credited already: never twice.
    const n = Math.min(octets, this.owed);
    if (n <= 0) return;
    this.owed -= n;
    this.give(n);
  }

  private cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.asked = false;
    // The owner's reset first: what is then credited goes to the connection only, with no
    // WINDOW_UPDATE for a stream that is gone.
    if (!this.ended && !this.failed) this.onAbandoned?.();
    this.discard();
  }

  private give(octets: number): void {
    if (octets > 0) this.credit.consume(this.streamId, octets);
  }

  /** From now on every held, owed and arriving octet is credited unread. */
  private discard(): void {
    if (this.discarding) return;
    this.discarding = true;
    let n = this.owed;
    this.owed = 0;
    for (let i = this.head; i < this.held.length; i++) n += (this.held[i] as Uint8Array).length;
    this.held = [];
    this.head = 0;
    this.give(n);
  }
}

const EMPTY = new Uint8Array(0);
