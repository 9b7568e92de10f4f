import type { Duplex } from 'node:stream';
import { Observable, type Subscriber, type TeardownLogic, type Unsubscribable } from 'rxjs';
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
  return new Fount(socket, options.onUnsubscribe === 'detach');
}

/**
 * The fount as a class: its subscribe and `pauseFlow` are methods and its `Pauser` is made on the
 * first pause, not four closures per socket (a server holds one fount per idle connection).
 */
class Fount extends Observable<Uint8Array> implements SocketFount {
  private pauser: Pauser | undefined;

  constructor(
    private readonly socket: Duplex,
    private readonly detach: boolean,
  ) {
    super();
  }

  pauseFlow(reason?: string): PauseToken {
    const socket = this.socket;
    this.pauser ??= new Pauser(
      () => socket.pause(),
      () => socket.resume(),
    );
    return this.pauser.pause(reason);
  }

  /** Called by `Observable.subscribe` for each subscriber. */
  protected _subscribe(subscriber: Subscriber<Uint8Array>): TeardownLogic {
    const socket = this.socket;
    const reading = new Reading(this, subscriber);
    const first = readings.get(socket);
    if (first === undefined) {
      readings.set(socket, reading);
      // `on`, not `once`: each `once` wraps its listener in a bound function and a state object,
      // kept per idle connection; the first 'end'/'close'/'error' ends the subscriber, whose
      // teardown removes them all, and a later notification to an ended subscriber is dropped.
      socket.on('data', onData);
      socket.on('end', onEnd);
      socket.on('error', onError);
      socket.on('close', onEnd);
    } else {
      let last = first;
      while (last.after !== undefined) last = last.after;
      last.after = reading;
    }
    if (this.pauser?.paused !== true) socket.resume();
    return reading;
  }

  /** `reading` was unsubscribed: it leaves the socket's list, the listeners go with the last one. */
  stop(reading: Reading): void {
    const socket = this.socket;
    const first = readings.get(socket);
    if (first === reading) {
      if (reading.after === undefined) {
        readings.delete(socket);
        socket.off('data', onData);
        socket.off('end', onEnd);
        socket.off('error', onError);
        socket.off('close', onEnd);
      } else readings.set(socket, reading.after);
    } else {
      let before = first;
      while (before !== undefined && before.after !== reading) before = before.after;
      if (before !== undefined) before.after = reading.after;
    }
    if (this.detach) socket.pause();
    else socket.destroy();
  }
}

/** One subscription reading a socket, and its teardown; a socket's readings form a list (of one, nearly always). */
class Reading implements Unsubscribable {
  after: Reading | undefined;

  constructor(
    private readonly fount: Fount,
    readonly subscriber: Subscriber<Uint8Array>,
  ) {}

  unsubscribe(): void {
    this.fount.stop(this);
  }
}

/**
 * The readings of each socket being read, for the listeners below: shared functions, called with
 * `this` the socket, rather than three closures and a teardown per subscription, which an idle
 * connection keeps (~300 B). A WeakMap entry is ~32 B (a symbol property on the socket was ~39 B).
 */
const readings = new WeakMap<Duplex, Reading>();

function onData(this: Duplex, chunk: Uint8Array): void {
  for (let r = readings.get(this); r !== undefined; r = r.after) r.subscriber.next(chunk);
}

function onEnd(this: Duplex): void {
  for (let r = readings.get(this); r !== undefined; r = r.after) r.subscriber.complete();
}

function onError(this: Duplex, e: Error): void {
  for (let r = readings.get(this); r !== undefined; r = r.after) r.subscriber.error(e);
}
