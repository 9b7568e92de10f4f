import { Observable, type OperatorFunction } from 'rxjs';

/**
 * A transform step: called once per input with an `emit` callback for 0..n outputs (the
 * twisted/tubes `received` contract). It has no say over pacing; it may throw to fail the flow.
 */
export type TubeStep<T, R> = (value: T, emit: (out: R) => void) => void;

/**
 * Lifts a synchronous step into an RxJS operator. One emission per output, no intermediate
 * arrays or Observables, so it suits per-frame hot paths. A throw from `step` (or from `flush`
 * at completion) becomes the Observable's error; unsubscribing stops the source.
 *
 * @example
 * const double = tube<number, number>((n, emit) => { emit(n); emit(n); });
 * of(1, 2).pipe(double).subscribe(console.log); // 1 1 2 2
 */
export function tube<T, R>(
  step: TubeStep<T, R>,
  flush?: (emit: (out: R) => void) => void,
): OperatorFunction<T, R> {
  return (source) =>
    new Observable<R>((subscriber) => {
      const emit = (out: R): void => subscriber.next(out);
      return source.subscribe({
        next(value) {
          try {
            step(value, emit);
          } catch (e) {
            subscriber.error(e);
          }
        },
        error(e) {
          subscriber.error(e);
        },
        complete() {
          try {
            flush?.(emit);
            subscriber.complete();
          } catch (e) {
            subscriber.error(e);
          }
        },
      });
    });
}
