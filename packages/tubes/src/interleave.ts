import { Observable } from 'rxjs';
import { BufferOverflowError } from './demand.js';
import { onNextMicrotask } from './microtask.js';

/**
 * Fair fan-in: merges sources taking one item from each in turn (round robin), so a source that
 * emits in bursts cannot starve the others within a turn. Items wait in per-source queues bounded
 * by `maxBufferedPerSource` (overflow fails the merge: never an unbounded queue), and are handed
 * out on a microtask after each burst. Completes when every source has completed.
 *
 * @example
 * interleave([fast$, slow$], { maxBufferedPerSource: 64 }).subscribe(send);
 */
export function interleave<T>(
  sources: readonly Observable<T>[],
  options: { maxBufferedPerSource: number },
): Observable<T> {
  return new Observable<T>((subscriber) => {
    const queues: T[][] = sources.map(() => []);
    let live = sources.length;
    let scheduled = false;
    let next = 0;
    const flush = (): void => {
      scheduled = false;
      let progressed = true;
      while (progressed && !subscriber.closed) {
        progressed = false;
        for (let n = 0; n < queues.length; n++) {
          const i = (next + n) % queues.length;
          const item = queues[i]!.shift();
          if (item === undefined) continue;
          subscriber.next(item);
          progressed = true;
        }
      }
      // The next turn starts with the next source, so no source is always first.
      next = (next + 1) % Math.max(1, queues.length);
      if (live === 0) subscriber.complete();
    };
    const schedule = (): void => {
      if (scheduled) return;
      scheduled = true;
      onNextMicrotask(flush);
    };
    if (sources.length === 0) subscriber.complete();
    const subs = sources.map((s, i) =>
      s.subscribe({
        next(item) {
          const q = queues[i]!;
          if (q.length >= options.maxBufferedPerSource) {
            subscriber.error(
              new BufferOverflowError(`source ${i} is more than ${options.maxBufferedPerSource} ahead`),
            );
            return;
          }
          q.push(item);
          schedule();
        },
        error: (e) => subscriber.error(e),
        complete() {
          live--;
          schedule();
        },
      }),
    );
    return () => {
      for (const s of subs) s.unsubscribe();
    };
  });
}
