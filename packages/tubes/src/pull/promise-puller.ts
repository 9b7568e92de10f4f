import type { Puller, PullSink } from './puller.js';

/**
 * A source read one promise at a time: `read()` is called once per request, so the source's own
 * backpressure applies (a ReadableStream reader's `read()`, an AsyncIterator's `next()`), and
 * `stop()` on cancel (`reader.cancel()`, `iterator.return()`, so generators run their `finally`).
 */
export class PromisePuller<T> implements Puller {
  private cancelled = false;

  constructor(
    private readonly read: () => Promise<IteratorResult<T> | ReadableStreamReadResult<T>>,
    private readonly stop: () => Promise<unknown> | undefined,
    private readonly sink: PullSink<T>,
  ) {}

  static fromReadableStream<T>(stream: ReadableStream<T>, sink: PullSink<T>): PromisePuller<T> {
    const reader = stream.getReader();
    return new PromisePuller<T>(
      () => reader.read(),
      () => reader.cancel(),
      sink,
    );
  }

  static fromAsyncIterable<T>(iterable: AsyncIterable<T>, sink: PullSink<T>): PromisePuller<T> {
    const iterator = iterable[Symbol.asyncIterator]();
    return new PromisePuller<T>(
      () => iterator.next(),
      () => iterator.return?.(),
      sink,
    );
  }

  request(): void {
    if (this.cancelled) return;
    let read: Promise<IteratorResult<T> | ReadableStreamReadResult<T>>;
    try {
      read = this.read();
    } catch (e) {
      // A hand-written iterator's next() that throws: the answer, not the consumer's exception.
      read = Promise.reject(e);
    }
    read.then(
      (r) => {
        if (this.cancelled) return;
        if (r.done) this.sink.complete();
        else this.sink.next(r.value as T, false);
      },
      (e: unknown) => {
        if (!this.cancelled) this.sink.error(e);
      },
    );
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    try {
      this.stop()?.catch(() => {});
    } catch {
      // The source is being released; a return() that throws has nothing left to tell.
    }
  }
}
