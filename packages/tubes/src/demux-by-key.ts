import { Observable, type OperatorFunction, type Subscriber } from 'rxjs';
import { BufferOverflowError, Demand } from './demand.js';

/** One branch of a demultiplexed flow: its items flow only as far as its own `demand` allows. */
export interface Branch<K, T> {
  readonly key: K;
  readonly items: Observable<T>;
  readonly demand: Demand;
}

export interface DemuxOptions<T> {
  /** Most items (or `sizeOf` units) a branch holds without demand; over it, that branch alone fails. */
  readonly maxBufferedPerBranch: number;
  readonly sizeOf?: (item: T) => number;
  /** Credit each new branch starts with (default 0; Infinity for a branch that never stalls). */
  readonly initialDemand?: number;
}

interface BranchState<T> {
  readonly queue: T[];
  held: number;
  subscriber: Subscriber<T> | undefined;
  done: boolean;
  failed: unknown;
  readonly demand: Demand;
}

/**
 * Splits a flow by key into branches, emitted once per new key. Unlike `groupBy` (whose groups
 * buffer without bound) and twisted's `fan.Out` (where one slow branch pauses the source), a
 * branch without demand holds at most `maxBufferedPerBranch` and then fails on its own: one
 * stalled branch never blocks the others nor grows memory beyond its bound. (HTTP/2 streams use
 * flow-control windows as that bound, DESIGN.md rule 2.)
 *
 * @example
 * messages$.pipe(demuxByKey((m) => m.channel, { maxBufferedPerBranch: 100 }))
 *   .subscribe((b) => { b.items.subscribe(render); b.demand.request(Infinity); });
 */
export function demuxByKey<T, K>(
  keyOf: (item: T) => K,
  options: DemuxOptions<T>,
): OperatorFunction<T, Branch<K, T>> {
  const sizeOf = options.sizeOf ?? (() => 1);
  return (source) =>
    new Observable<Branch<K, T>>((outer) => {
      const branches = new Map<K, BranchState<T>>();
      const drain = (b: BranchState<T>): void => {
        const s = b.subscriber;
        if (s === undefined) return;
        while (b.queue.length > 0 && !s.closed && b.demand.take(sizeOf(b.queue[0]!))) {
          const item = b.queue.shift()!;
          b.held -= sizeOf(item);
          s.next(item);
        }
        if (b.queue.length === 0 && b.done) s.complete();
      };
      const open = (key: K): BranchState<T> => {
        const b: BranchState<T> = {
          queue: [],
          held: 0,
          subscriber: undefined,
          done: false,
          failed: undefined,
          demand: new Demand(options.initialDemand ?? 0),
        };
        b.demand.onRequest(() => drain(b));
        branches.set(key, b);
        const items = new Observable<T>((s) => {
          if (b.subscriber !== undefined) {
            s.error(new Error('a branch can be subscribed once'));
            return;
          }
          b.subscriber = s;
          if (b.failed !== undefined) s.error(b.failed);
          else drain(b);
          return () => {
            b.subscriber = undefined;
            b.queue.length = 0;
            b.held = 0;
            b.done = true;
          };
        });
        outer.next({ key, items, demand: b.demand });
        return b;
      };
      const sub = source.subscribe({
        next(item) {
          const key = keyOf(item);
          const b = branches.get(key) ?? open(key);
          if (b.done) return; // an abandoned or failed branch drops its items
          b.queue.push(item);
          b.held += sizeOf(item);
          drain(b);
          if (b.held > options.maxBufferedPerBranch) {
            const err = new BufferOverflowError(
              `branch ${String(key)} holds more than ${options.maxBufferedPerBranch}`,
            );
            b.queue.length = 0;
            b.held = 0;
            b.done = true;
            b.failed = err;
            b.subscriber?.error(err);
          }
        },
        error(e) {
          for (const b of branches.values()) b.subscriber?.error(e);
          outer.error(e);
        },
        complete() {
          for (const b of branches.values()) {
            b.done = true;
            drain(b);
          }
          outer.complete();
        },
      });
      return () => sub.unsubscribe();
    });
}
