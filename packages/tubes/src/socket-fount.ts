import type { Duplex } from 'node:stream';
import { Observable } from 'rxjs';
import { Pauser, type PauseToken } from './pauser.js';

/** An Observable of a socket's bytes that other code can pause (and so stop reading the socket). */
export interface SocketFount extends Observable<Uint8Array> {
  /** Stops reading the socket until the returned token is unpaused (tokens are counted). */
  pauseFlow(reason?: string): PauseToken;
}

/** Options of `socketFount`. */
export interface SocketFountOptions {
  /**
   * What unsubscribing does to the socket: 'destroy' (default) tears it down; 'detach' only
   * removes our listeners and pauses it, for an owner that still writes (e.g. a last GOAWAY).
   */
  readonly onUnsubscribe?: 'destroy' | 'detach';
}

/**
 * A socket (any `Duplex`) as an Observable of its chunks. Reading stops while any pause token is
 * outstanding — the kernel's receive window then closes, so a fast sender is slowed by TCP itself.
 * 'end'/'close' complete and 'error' errors, once; unsubscribing removes every listener and, by
 * default, destroys the socket.
 *
 * @example
 * const bytes$ = socketFount(socket);
 * const t = bytes$.pauseFlow('busy'); // socket.pause()
 * t.unpause();                       // socket.resume()
 */
export function socketFount(socket: Duplex, options: SocketFountOptions = {}): SocketFount {
  const pauser = new Pauser(
    () => socket.pause(),
    () => socket.resume(),
  );
  const fount = new Observable<Uint8Array>((subscriber) => {
    const onData = (chunk: Uint8Array): void => subscriber.next(chunk);
    const onEnd = (): void => subscriber.complete();
    const onError = (e: Error): void => subscriber.error(e);
    const onClose = (): void => subscriber.complete();
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('error', onError);
    socket.once('close', onClose);
    if (!pauser.paused) socket.resume();
    return () => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onError);
      socket.off('close', onClose);
      if (options.onUnsubscribe === 'detach') socket.pause();
      else socket.destroy();
    };
  }) as SocketFount;
  fount.pauseFlow = (reason?: string) => pauser.pause(reason);
  return fount;
}
