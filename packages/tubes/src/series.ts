import type { OperatorFunction } from 'rxjs';

/**
 * Composes tubes left to right into one (twisted/tubes `series`).
 *
 * @example
 * const frames = series(splitLengthPrefixed({ prefixLength: 4, maxLength: 1 << 16 }), map(decode));
 * bytes$.pipe(frames);
 */
export function series<A, B>(a: OperatorFunction<A, B>): OperatorFunction<A, B>;
export function series<A, B, C>(a: OperatorFunction<A, B>, b: OperatorFunction<B, C>): OperatorFunction<A, C>;
export function series<A, B, C, D>(
  a: OperatorFunction<A, B>,
  b: OperatorFunction<B, C>,
  c: OperatorFunction<C, D>,
): OperatorFunction<A, D>;
export function series<A, B, C, D, E>(
  a: OperatorFunction<A, B>,
  b: OperatorFunction<B, C>,
  c: OperatorFunction<C, D>,
  d: OperatorFunction<D, E>,
): OperatorFunction<A, E>;
export function series(...tubes: OperatorFunction<unknown, unknown>[]): OperatorFunction<unknown, unknown> {
  return (source) => tubes.reduce((s, t) => s.pipe(t), source);
}
