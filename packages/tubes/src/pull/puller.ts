/**
 * The pull half of the one demand protocol of this package (see `Demand` for credit in counts):
 * a consumer asks for exactly one item with `request()`, and the producer answers each request
 * with exactly one call on its `PullSink` — `next`, `complete` or `error` — sooner or later. So a
 * producer never runs ahead of its consumer by more than what it holds by its own policy, and
 * the consumer decides the pace (for HTTP/2: the flow-control windows and the socket's room).
 *
 * @example
 * const p = pullFrom(readable, { next: (c) => write(c), complete: end, error: fail });
 * p.request(); // one `next` (or `complete`/`error`) follows
 */
export interface Puller {
  /** Asks for one more item. Call again only after the previous request was answered. */
  request(): void;
  /** The consumer is gone: stop producing and release the source (no sink call follows). */
  cancel(): void;
}

/**
 * Receives what a `Puller` produces: one call per `request()`, except `error`, which may also come
 * unasked (a pulled Observable that failed or overflowed its bound while the consumer was not
 * asking: the consumer must hear of it without having to ask again). Nothing follows `error`.
 */
export interface PullSink<T> {
  /** `last` is true when the producer knows nothing follows (the consumer can end at once). */
  next(value: T, last: boolean): void;
  complete(): void;
  error(e: unknown): void;
}

/**
 * A source that makes its own `Puller`: it knows best how to answer one request at a time, and
 * what to do as items are taken (e.g. an HTTP/2 stream's received body returns flow-control
 * credit for each chunk as it is taken). `pullFrom` and `toReadableStream` accept it directly.
 * `pull` may be called once; a second call answers `error` on its sink.
 *
 * @example
 * const reader = toReadableStream(exchange.body).getReader(); // a Pullable<Uint8Array>
 */
export interface Pullable<T> {
  pull(sink: PullSink<T>): Puller;
}

/** True for an object with a `pull(sink)` method (a `Pullable`). */
export function isPullable(x: unknown): x is Pullable<unknown> {
  return typeof x === 'object' && x !== null && typeof (x as Pullable<unknown>).pull === 'function';
}
