import { interval, map, type Observable, scan } from 'rxjs';

/** One price of the demo ticker. */
export interface Tick {
  readonly symbol: string;
  readonly price: number;
  readonly at: string;
}

/**
 * The demo feed: a random walk of one price every `periodMs`, standing in for whatever an Rx
 * app already has (market data, sensor readings, a message bus).
 *
 * @example
 * ticker('H2T', 100).subscribe(console.log);
 */
export function ticker(symbol: string, periodMs: number): Observable<Tick> {
  return interval(periodMs).pipe(
    scan((price) => Math.max(0.01, price * (1 + (Math.random() - 0.5) / 50)), 100),
    map((price) => ({ symbol, price: Math.round(price * 100) / 100, at: new Date().toISOString() })),
  );
}
