import { Observable, type Observer, type Subscriber, type TeardownLogic, type Unsubscribable } from 'rxjs';

/**
 * A hot source that pushes what its owner calls `next`/`error`/`complete` with to its current
 * subscribers, as a `Subject` does, made for one or two long-lived subscribers per instance (a
 * connection's frames, its events): one subscriber is held in a field and leaves through a
 * small handle, where a `Subject` keeps an array of 17 slots, a copy of it, and a `Subscription`
 * with a closure per subscriber. A subscriber that comes after the end gets the end at once.
 *
 * @example
 * const frames = new Relay<Frame>();
 * frames.subscribe((f) => log(f));
 * frames.next(ping); // logged
 */
export class Relay<T> extends Observable<T> implements Observer<T> {
  private subscribers: Subscriber<T> | Subscriber<T>[] | undefined;
  private ended: { readonly error: unknown } | 'complete' | undefined;

  /** Called by `Observable.subscribe` (the hook `Subject` overrides too). */
  protected _subscribe(subscriber: Subscriber<T>): TeardownLogic {
    const ended = this.ended;
    if (ended !== undefined) {
      if (ended === 'complete') subscriber.complete();
      else subscriber.error(ended.error);
      return undefined;
    }
    const current = this.subscribers;
    if (current === undefined) this.subscribers = subscriber;
    else if (Array.isArray(current)) current.push(subscriber);
    else this.subscribers = [current, subscriber];
    return new RelaySubscription(this, subscriber);
  }

  /** Hands `value` to every current subscriber; nothing once the relay has ended. */
  next(value: T): void {
    const current = this.subscribers;
    if (current === undefined || this.ended !== undefined) return;
    if (!Array.isArray(current)) current.next(value);
    else for (const s of current.slice()) s.next(value);
  }

  /** Ends the relay with `error`, for current and later subscribers. */
  error(error: unknown): void {
    this.end({ error });
  }

  /** Ends the relay, for current and later subscribers. */
  complete(): void {
    this.end('complete');
  }

  /** Whether anyone is subscribed. */
  get observed(): boolean {
    return this.subscribers !== undefined;
  }

  /** @internal By `RelaySubscription`. */
  remove(subscriber: Subscriber<T>): void {
    const current = this.subscribers;
    if (current === subscriber) this.subscribers = undefined;
    else if (Array.isArray(current)) {
      const i = current.indexOf(subscriber);
      if (i >= 0) current.splice(i, 1);
      if (current.length === 1) this.subscribers = current[0];
      else if (current.length === 0) this.subscribers = undefined;
    }
  }

  private end(how: { readonly error: unknown } | 'complete'): void {
    if (this.ended !== undefined) return;
    this.ended = how;
    const current = this.subscribers;
    this.subscribers = undefined;
    if (current === undefined) return;
    for (const s of Array.isArray(current) ? current : [current]) {
      if (how === 'complete') s.complete();
      else s.error(how.error);
    }
  }
}

/** One subscriber's registration with a `Relay`: unsubscribing removes it. */
class RelaySubscription<T> implements Unsubscribable {
  constructor(
    private relay: Relay<T> | undefined,
    private readonly subscriber: Subscriber<T>,
  ) {}

  unsubscribe(): void {
    this.relay?.remove(this.subscriber);
    this.relay = undefined;
  }
}
