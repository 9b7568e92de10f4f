import { type MonoTypeOperatorFunction, Observable, type OperatorFunction, Subject } from 'rxjs';

/**
 * Passes every item through unchanged and also feeds it to `side` (a decoding chain, a logger).
 * A failure of `side` is reported to `onSideError` and stops only the side: the main flow is
 * what the peers depend on, the side is an observer.
 *
 * @example
 * bytes$.pipe(tee(inspectChain, (e) => console.error(e)), socketDrain(socket));
 */
export function tee<T>(
  side: OperatorFunction<T, unknown>,
  onSideError: (e: unknown) => void,
): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      const mirror = new Subject<T>();
      let sideAlive = true;
      const sideSub = mirror.pipe(side).subscribe({
        error: (e: unknown) => {
          sideAlive = false;
          onSideError(e);
        },
      });
      const main = source.subscribe({
        next: (v) => {
          if (sideAlive) mirror.next(v);
          subscriber.next(v);
        },
        error: (e: unknown) => {
          mirror.complete();
          subscriber.error(e);
        },
        complete: () => {
          mirror.complete();
          subscriber.complete();
        },
      });
      return () => {
        main.unsubscribe();
        sideSub.unsubscribe();
      };
    });
}
