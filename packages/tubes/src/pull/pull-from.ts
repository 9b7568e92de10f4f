import { isObservable, type Observable } from 'rxjs';
import { ObservablePuller } from './observable-puller.js';
import type { OverflowPolicy } from './overflow-policy.js';
import { PromisePuller } from './promise-puller.js';
import { Bounded, DemandDriven } from './pull-sources.js';
import { isPullable, type Pullable, type Puller, type PullSink } from './puller.js';

/** Everything `pullFrom` can pull. */
export type PullSource<T> =
  | Pullable<T>
  | DemandDriven<T>
  | Bounded<T>
  | Observable<T>
  | AsyncIterable<T>
  | ReadableStream<T>;

/**
 * Makes a `Puller` for a source:
 * - a `Pullable` makes its own (`source.pull(sink)`);
 * - a `ReadableStream` or `AsyncIterable` is read one item per request (its own backpressure);
 * - a `demandDriven` source is granted one unit of credit per request (pulled exactly);
 * - a `bounded` Observable is buffered under the policy its owner chose;
 * - a plain Observable is buffered under `defaultPolicy` (what the caller documents for it); without
 *   one it is refused: an Observable cannot wait, so someone must say what bounds it.
 *
 * @example
 * const p = pullFrom(bounded(feed$, { overflow: 'dropOldest', capacity: 64 }), sink);
 * p.request();
 */
export function pullFrom<T>(
  source: PullSource<T>,
  sink: PullSink<T>,
  defaultPolicy?: OverflowPolicy<T>,
): Puller {
  if (isPullable(source)) return source.pull(sink);
  if (source instanceof DemandDriven) return ObservablePuller.demandDriven(source.subscribe, sink);
  if (source instanceof Bounded) {
    const puller = new ObservablePuller(source.source, source.policy, sink);
    source.stats = puller;
    return puller;
  }
  if (isObservable(source)) {
    if (defaultPolicy === undefined)
      throw new TypeError(
        'pullFrom: a plain Observable needs a bound: bounded(source, policy) or demandDriven(...)',
      );
    return new ObservablePuller(source as Observable<T>, defaultPolicy, sink);
  }
  if (typeof (source as ReadableStream<T>).getReader === 'function')
    return PromisePuller.fromReadableStream(source as ReadableStream<T>, sink);
  if (typeof (source as AsyncIterable<T>)[Symbol.asyncIterator] === 'function')
    return PromisePuller.fromAsyncIterable(source as AsyncIterable<T>, sink);
  throw new TypeError(
    'pullFrom: not a pull source (ReadableStream, AsyncIterable, Observable, bounded, demandDriven)',
  );
}

/** True for anything `pullFrom` accepts. */
export function isPullSource(x: unknown): x is PullSource<unknown> {
  if (x instanceof DemandDriven || x instanceof Bounded || isObservable(x) || isPullable(x)) return true;
  if (typeof x !== 'object' || x === null) return false;
  return (
    typeof (x as ReadableStream).getReader === 'function' ||
    typeof (x as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
  );
}

/**
 * A pull source as a web `ReadableStream` (highWaterMark 0: read only when its reader reads), for
 * APIs that take one, e.g. a Fetch `Response` body. Cancelling the stream cancels the puller.
 *
 * @example
 * new Response(toReadableStream(bounded(events$, { overflow: 'dropOldest', capacity: 64 })));
 */
export function toReadableStream<T>(
  source: PullSource<T>,
  defaultPolicy?: OverflowPolicy<T>,
): ReadableStream<T> {
  let puller: Puller | undefined;
  let answered = false;
  let wake: (() => void) | undefined;
  const answer = (): void => {
    answered = true;
    const w = wake;
    wake = undefined;
    w?.();
  };
  return new ReadableStream<T>(
    {
      start(controller) {
        puller = pullFrom(
          source,
          {
            next(value) {
              controller.enqueue(value);
              answer();
            },
            complete() {
              controller.close();
              answer();
            },
            error(e) {
              controller.error(e);
              answer();
            },
          },
          defaultPolicy,
        );
      },
      pull() {
        answered = false;
        puller?.request();
        // Answered at once (an item was held): no promise to allocate and settle per read.
        if (answered) return undefined;
        return new Promise<void>((resolve) => {
          wake = resolve;
        });
      },
      cancel() {
        puller?.cancel();
      },
    },
    { highWaterMark: 0 },
  );
}
