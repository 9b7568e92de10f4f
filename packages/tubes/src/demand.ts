import { Observable, type OperatorFunction } from 'rxjs';
import type { PauseToken } from './pauser.js';

/**
 * Credit a consumer grants a producer, in items or in bytes (whatever `sizeOf` counts). The
 * consumer calls `request(n)`; the producer may emit only what it can `take`. Granting credit
 * inside the consumer's `next` is safe: producers drain in a loop, never by recursion.
 *
 * @example
 * const demand = new Demand();
 * source$.pipe(withDemand(demand, { highWaterMark: 16, pause: () => fount.pauseFlow('no demand') }))
 *   .subscribe(async (x) => { await work(x); demand.request(1); });
 * demand.request(4); // four items may flow now
 */
export class Demand {
  private credit: number;
  private readonly listeners = new Set<() => void>();

  constructor(initial = 0) {
    this.credit = initial;
  }

  /** Credit not yet used. */
  get outstanding(): number {
    return this.credit;
  }

  /** Grants `n` more (Infinity = unbounded). */
  request(n: number): void {
    if (!(n > 0)) return;
    this.credit += n;
    for (const l of [...this.listeners]) l();
  }

  /** Uses `n` of the credit if there is that much. */
  take(n = 1): boolean {
    if (this.credit < n) return false;
    this.credit -= n;
    return true;
  }

  /** Called after each `request`; returns the unsubscribe function. */
  onRequest(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** A bounded buffer overflowed and its upstream could not be paused. */
export class BufferOverflowError extends Error {
  override readonly name = 'BufferOverflowError';
}

export interface WithDemandOptions<T> {
  /** Most items (or `sizeOf` units) held while there is no credit. */
  readonly highWaterMark: number;
  /** Units an item costs (default 1: items; `(c) => c.length` for bytes). */
  readonly sizeOf?: (item: T) => number;
  /**
   * Pauses upstream while the buffer is over its high-water mark (e.g. `fount.pauseFlow`).
   * Without it, overflowing the buffer fails the flow with `BufferOverflowError`: never unbounded.
   */
  readonly pause?: () => PauseToken;
}

/**
 * Lets items through only as far as `demand` has credit; the rest waits in a buffer bounded by
 * `highWaterMark`, and upstream is paused while it is full.
 *
 * @example
 * socketFount(socket).pipe(withDemand(demand, { highWaterMark: 1 << 16, sizeOf: (c) => c.length, pause: () => fount.pauseFlow() }))
 */
export function withDemand<T>(demand: Demand, options: WithDemandOptions<T>): OperatorFunction<T, T> {
  const sizeOf = options.sizeOf ?? (() => 1);
  return (source) =>
    new Observable<T>((subscriber) => {
      const queue: T[] = [];
      let held = 0;
      let draining = false;
      let done = false;
      let paused: PauseToken | undefined;
      const drain = (): void => {
        if (draining) return; // re-entrant request() inside next: the running loop picks it up
        draining = true;
        while (queue.length > 0 && !subscriber.closed) {
          const size = sizeOf(queue[0]!);
          if (!demand.take(size)) break;
          held -= size;
          subscriber.next(queue.shift()!);
        }
        draining = false;
        if (paused !== undefined && held <= options.highWaterMark) {
          paused.unpause();
          paused = undefined;
        }
        if (done && queue.length === 0) subscriber.complete();
      };
      const off = demand.onRequest(drain);
      const sub = source.subscribe({
        next(item) {
          queue.push(item);
          held += sizeOf(item);
          drain();
          if (held > options.highWaterMark) {
            if (options.pause === undefined) {
              subscriber.error(
                new BufferOverflowError(`more than ${options.highWaterMark} held without demand`),
              );
            } else if (paused === undefined) {
              paused = options.pause();
            }
          }
        },
        error: (e) => subscriber.error(e),
        complete() {
          done = true;
          drain();
        },
      });
      return () => {
        off();
        sub.unsubscribe();
        paused?.unpause();
      };
    });
}
