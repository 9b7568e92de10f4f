import type { Observable } from 'rxjs';
import type { Demand } from '../demand.js';
import type { OverflowPolicy, PullStats } from './overflow-policy.js';

/**
 * A source that takes demand: `subscribe(demand)` is called once, when `pullFrom` builds its
 * puller, and the Observable it returns must emit only as far as `demand` has credit (one unit is
 * granted per pull). It is then pulled exactly: nothing is buffered on its behalf.
 *
 * @example
 * // 1 GB generated only as fast as the consumer (an HTTP/2 stream's window) takes it.
 * const body = demandDriven<Uint8Array>((demand) => new Observable((s) => {
 *   let sent = 0;
 *   const off = demand.onRequest(() => { while (sent < 1e9 && demand.take()) { s.next(chunk); sent += chunk.length; } if (sent >= 1e9) s.complete(); });
 *   return off;
 * }));
 */
export class DemandDriven<T> {
  constructor(readonly subscribe: (demand: Demand) => Observable<T>) {}
}

/** Wraps `subscribe` as a demand-driven pull source (see `DemandDriven`). */
export function demandDriven<T>(subscribe: (demand: Demand) => Observable<T>): DemandDriven<T> {
  return new DemandDriven(subscribe);
}

/**
 * A hot Observable with the overflow policy its owner chose (see `OverflowPolicy`). Pulled once:
 * `stats` then reports what its buffer did.
 */
export class Bounded<T> {
  /** Filled in by the puller; all zero until then. */
  stats: PullStats = { queued: 0, highWater: 0, dropped: 0, delivered: 0 };
  constructor(
    readonly source: Observable<T>,
    readonly policy: OverflowPolicy<T>,
  ) {}
}

/**
 * Gives a hot Observable an explicit bound for being pulled.
 *
 * @example
 * const feed = bounded(ticker$, { overflow: 'dropOldest', capacity: 64, lagged: (n) => `missed ${n}\n` });
 */
export function bounded<T>(source: Observable<T>, policy: OverflowPolicy<T>): Bounded<T> {
  return new Bounded(source, policy);
}
