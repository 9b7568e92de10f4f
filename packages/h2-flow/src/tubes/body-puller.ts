import { H2UsageError } from '@h2tubes/h2-frames';
import { isObservable, type Observable, type Subscription } from 'rxjs';
import type { BodySource } from './exchange-types.js';

/** Receives what a `BodyPuller` produces; each `request()` is answered by exactly one call. */
export interface BodySink {
  /** `last` is true when the source knows this chunk ends the body (so END_STREAM can ride on it). */
  chunk(data: Uint8Array, last: boolean): void;
  end(): void;
  error(e: unknown): void;
}

/**
 * Pulls a response/request body one chunk at a time, only when asked (DESIGN.md backpressure rule 3:
 * the stream's sender asks for the next chunk only when the windows and the socket have room).
 * Strings and byte arrays answer synchronously, so a small body costs no Promise.
 */
export interface BodyPuller {
  request(): void;
  cancel(): void;
}

const encoder = new TextEncoder();

/**
 * Makes a puller for any accepted body source.
 *
 * @example
 * const p = pullBody('hello', { chunk: (c) => send(c), end: () => finish(), error: (e) => reset(e) });
 * p.request(); // sink.chunk(bytes of "hello")
 * p.request(); // sink.end()
 */
export function pullBody(source: BodySource, sink: BodySink, maxBufferedOctets = 1 << 20): BodyPuller {
  if (typeof source === 'string') return new BytesPuller(encoder.encode(source), sink);
  if (source instanceof Uint8Array) return new BytesPuller(source, sink);
  if (isObservable(source))
    return new ObservablePuller(source as Observable<Uint8Array>, sink, maxBufferedOctets);
  if (typeof (source as ReadableStream<Uint8Array>).getReader === 'function') {
    const reader = (source as ReadableStream<Uint8Array>).getReader();
    return new PromisePuller(
      () => reader.read(),
      () => reader.cancel(),
      sink,
    );
  }
  if (typeof (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === 'function') {
    const iterator = (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    return new PromisePuller(
      () => iterator.next(),
      () => iterator.return?.(),
      sink,
    );
  }
  throw new H2UsageError('a body must be a string, Uint8Array, Observable, AsyncIterable or ReadableStream');
}

class BytesPuller implements BodyPuller {
  private sent = false;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly sink: BodySink,
  ) {}
  request(): void {
    if (this.sent || this.bytes.length === 0) {
      this.sent = true;
      this.sink.end();
      return;
    }
    this.sent = true;
    this.sink.chunk(this.bytes, true);
  }
  cancel(): void {
    this.sent = true;
  }
}

/**
 * A source read one promise at a time: `read()` is called once per request, so the source's own
 * backpressure applies (a ReadableStream's `reader.read()`, an AsyncIterator's `next()`), and
 * `stop()` on cancel (`reader.cancel()`, `iterator.return()`, so generators run their finally).
 */
class PromisePuller implements BodyPuller {
  private cancelled = false;
  constructor(
    private readonly read: () => Promise<{ done?: boolean; value?: unknown }>,
    private readonly stop: () => Promise<unknown> | undefined,
    private readonly sink: BodySink,
  ) {}
  request(): void {
    this.read().then(
      (r) => {
        if (this.cancelled) return;
        if (r.done) return this.sink.end();
        let bytes: Uint8Array;
        try {
          bytes = toBytes(r.value);
        } catch (e) {
          return this.sink.error(e);
        }
        this.sink.chunk(bytes, false);
      },
      (e: unknown) => {
        if (!this.cancelled) this.sink.error(e);
      },
    );
  }
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.stop()?.catch(() => {});
  }
}

/**
 * A plain Observable cannot be paused, so what it emits ahead of demand is held here — up to
 * `maxBufferedOctets`, past which the body fails (DESIGN.md rule 1: no unbounded queue). A source
 * that emits a large body quickly should be an AsyncIterable or ReadableStream instead.
 */
class ObservablePuller implements BodyPuller {
  private readonly queue: Uint8Array[] = [];
  private queuedOctets = 0;
  private subscription: Subscription | undefined;
  private waiting = false;
  private done = false;
  private failure: { e: unknown } | undefined;
  private finished = false;

  constructor(
    private readonly source: Observable<Uint8Array>,
    private readonly sink: BodySink,
    private readonly maxBufferedOctets: number,
  ) {}

  request(): void {
    if (this.finished) return;
    this.waiting = true;
    if (this.subscription === undefined) {
      this.subscription = this.source.subscribe({
        next: (c) => this.onChunk(c),
        error: (e: unknown) => {
          this.failure = { e };
          this.answer();
        },
        complete: () => {
          this.done = true;
          this.answer();
        },
      });
    } else {
      this.answer();
    }
  }

  cancel(): void {
    this.finished = true;
    this.queue.length = 0;
    this.subscription?.unsubscribe();
  }

  private onChunk(value: unknown): void {
    if (this.finished || this.failure !== undefined) return;
    let c: Uint8Array;
    try {
      c = toBytes(value);
    } catch (e) {
      return this.fail(e);
    }
    this.queue.push(c);
    this.queuedOctets += c.length;
    if (this.queuedOctets > this.maxBufferedOctets) {
      return this.fail(
        new H2UsageError(
          `body Observable emitted more than ${this.maxBufferedOctets} octets ahead of flow control; ` +
            'use an AsyncIterable or ReadableStream for large bodies',
        ),
      );
    }
    this.answer();
  }

  private fail(e: unknown): void {
    this.failure = { e };
    this.queue.length = 0;
    this.subscription?.unsubscribe();
    this.answer();
  }

  private answer(): void {
    if (!this.waiting || this.finished) return;
    if (this.failure !== undefined) {
      this.waiting = false;
      this.finished = true;
      this.sink.error(this.failure.e);
      return;
    }
    const next = this.queue.shift();
    if (next !== undefined) {
      this.queuedOctets -= next.length;
      this.waiting = false;
      this.sink.chunk(next, false);
    } else if (this.done) {
      this.waiting = false;
      this.finished = true;
      this.sink.end();
    }
  }
}

function toBytes(c: unknown): Uint8Array {
  if (c instanceof Uint8Array) return c;
  if (typeof c === 'string') return encoder.encode(c);
  if (c instanceof ArrayBuffer) return new Uint8Array(c);
  throw new H2UsageError('body chunks must be Uint8Array (or string)');
}
