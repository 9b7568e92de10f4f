import {
  type Observable,
  type Observer,
  type Operator,
  type OperatorFunction,
  Subscriber,
  Subscription,
  type TeardownLogic,
} from 'rxjs';

/**
 * One subscribed link of an operator chain, as RxJS's own operators are: a `Subscriber` subclass
 * that handles each notification in its methods and passes results to `out`, the link below.
 * Unlike those, a link holds the link above it in a field rather than being added to the
 * finalizer array of the one below: an array V8 sizes for 17 entries (152 B) to hold one. A
 * chain of links keeps one subscriber per stage and no observer objects, closures or arrays,
 * which counts for a server with thousands of idle connections, each holding its chains.
 *
 * Subclasses override `_next` and, to do something at the end, `_error`/`_complete` (calling
 * `super`). Unsubscribing a link unsubscribes the one above it, and so the source.
 */
export abstract class Link<T, R> extends Subscriber<T> {
  /** The subscription upstream of this link, ended with it. */
  private upstream: Subscription | undefined;
  /**
   * The first finalizer added (a source's teardown: the socket's listeners, a Subject's
   * registration), kept here rather than in an array; more go to `Subscription`'s array. A
   * Subscription kept here does not remove itself from the link when it ends first: it is only
   * held, closed, until the link ends.
   */
  private finalizer: Exclude<TeardownLogic, void> | undefined;

  /** `out`: the subscriber below, or for the last link of a chain any observer (a `Subject`). */
  constructor(protected readonly out: Observer<R>) {
    super();
  }

  protected override _error(e: unknown): void {
    try {
      this.out.error(e);
    } finally {
      this.unsubscribe();
    }
  }

  protected override _complete(): void {
    try {
      this.out.complete();
    } finally {
      this.unsubscribe();
    }
  }

  /**
   * Registers a finalizer run when this link ends. The first one is kept in a field (most links
   * have exactly one), the rest in rxjs' finalizer list.
   */
  override add(teardown: TeardownLogic): void {
    if (
      this.finalizer === undefined &&
      !this.closed &&
      teardown &&
      teardown !== this &&
      !(teardown instanceof Subscription && teardown.closed)
    ) {
      this.finalizer = teardown;
      return;
    }
    super.add(teardown);
  }

  /** Forgets a finalizer registered with `add` (it will not run). */
  override remove(teardown: Exclude<TeardownLogic, void>): void {
    if (teardown === this.finalizer) this.finalizer = undefined;
    else super.remove(teardown);
  }

  override unsubscribe(): void {
    if (this.closed) return;
    super.unsubscribe();
    const finalizer = this.finalizer;
    this.finalizer = undefined;
    if (typeof finalizer === 'function') finalizer();
    else finalizer?.unsubscribe();
    const upstream = this.upstream;
    this.upstream = undefined;
    upstream?.unsubscribe();
  }

  /**
   * Subscribes `link` to `source` on behalf of `out`: a `Link` below holds it in its field, any
   * other subscriber gets it as a finalizer, so that `out` unsubscribing ends `link` too.
   * Without `out` (the last link of a chain), `link` is only subscribed.
   */
  static subscribe<T, R>(source: Observable<T>, link: Subscriber<T>, out?: Subscriber<R>): void {
    if (out instanceof Link) out.upstream = link;
    else out?.add(link);
    source.subscribe(link);
  }
}

const ignore = (): void => {};

/**
 * The `out` of a last link that only acts (writes to a socket, starts a shutdown, dispatches
 * requests): nowhere. Such a link handles every value itself; what reaches `out` is at most the
 * end of a signal it leaves to Link's handling (a shutdown signal that completes without emitting).
 */
export const NO_OUTPUT: Observer<never> = { next: ignore, error: ignore, complete: ignore };

/**
 * The operator whose every subscription is the link `make` returns for the subscriber below
 * (`undefined`: `make` has answered the subscriber itself, e.g. with an error, and the source is
 * not subscribed).
 *
 * @example
 * class Doubler extends Link<number, number> {
 *   protected override _next(n: number) { this.out.next(2 * n); }
 * }
 * of(1, 2).pipe(linkOperator((out) => new Doubler(out))).subscribe(console.log); // 2 4
 */
export function linkOperator<T, R>(
  make: (out: Subscriber<R>) => Subscriber<T> | undefined,
): OperatorFunction<T, R> {
  const operator: Operator<T, R> = {
    call(subscriber: Subscriber<R>, source: Observable<T>): void {
      const link = make(subscriber);
      if (link !== undefined) Link.subscribe(source, link, subscriber);
    },
  };
  return (source) => source.lift(operator);
}
