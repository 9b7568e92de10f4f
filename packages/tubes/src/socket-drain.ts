import type { Duplex } from 'node:stream';
import { Observable, type OperatorFunction } from 'rxjs';
import { onNextMicrotask } from './microtask.js';
import type { PauseToken } from './pauser.js';

export interface SocketDrainOptions {
  /**
   * Pauses the producer while the socket's buffer is full (`write()` returned false) until
   * 'drain' — e.g. `() => fount.pauseFlow('peer not reading')`.
   */
  readonly pause?: () => PauseToken;
}

/**
 * Writes chunks to a socket: the chunks of one turn go out as one batch (cork/uncork), a full
 * buffer pauses the producer until 'drain', completion ends the write side, an error destroys
 * the socket. The returned Observable completes when the socket has ended.
 *
 * @example
 * fount.pipe(splitLengthPrefixed(opts), map(reframe), socketDrain(socket, { pause: () => fount.pauseFlow() })).subscribe();
 */
export function socketDrain(
  socket: Duplex,
  options: SocketDrainOptions = {},
): OperatorFunction<Uint8Array, never> {
  return (source) =>
    new Observable<never>((subscriber) => {
      let corked = false;
      let paused: PauseToken | undefined;
      const uncork = (): void => {
        corked = false;
        socket.uncork();
      };
      const onDrain = (): void => {
        paused?.unpause();
        paused = undefined;
      };
      socket.on('drain', onDrain);
      const sub = source.subscribe({
        next(chunk) {
          if (!corked) {
            corked = true;
            socket.cork();
            onNextMicrotask(uncork);
          }
          if (!socket.write(chunk) && paused === undefined && options.pause !== undefined)
            paused = options.pause();
        },
        error(e) {
          socket.destroy(e instanceof Error ? e : new Error(String(e)));
          subscriber.error(e);
        },
        complete() {
          socket.end(() => subscriber.complete());
        },
      });
      return () => {
        socket.off('drain', onDrain);
        sub.unsubscribe();
        paused?.unpause();
      };
    });
}
