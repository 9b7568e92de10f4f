import type { Observable, Subscription } from 'rxjs';
import { BufferOverflowError, Demand } from '../demand.js';
import type { PauseToken } from '../pauser.js';
import { DropOldestQueue } from './drop-oldest-queue.js';
import type { OverflowPolicy, PullStats } from './overflow-policy.js';
import type { Puller, PullSink } from './puller.js';

/**
 * Pulls an Observable: subscribes at once, answers each request from what the
 * source emitted, and holds what it emits ahead of demand under the chosen `OverflowPolicy`.
 * With a `demand`, each request also grants the source one unit of credit (a demand-driven
 * source then emits exactly what is pulled, and the buffer stays empty).
 */
export class ObservablePuller<T> implements Puller, PullStats {
  private readonly queue: DropOldestQueue<T> | Fifo<T>;
  private readonly sizeOf: (item: T) => number;
  private heldUnits = 0;
  private readonly subscription: Subscription;
  private paused: PauseToken | undefined;
  private waiting = false;
  private completed = false;
  private failure: { e: unknown } | undefined;
  private finished = false;
  /** The constructor is subscribing: a failure waits for the first request (the sink is not wired yet). */
  private subscribing = true;
  /** `pump` is running: a re-entrant `request()` (from inside `sink.next`) is left to its loop. */
  private pumping = false;
  /** The current request was granted its unit of demand-driven credit. */
  private granted = false;
  highWater = 0;
  delivered = 0;

  constructor(
    source: Observable<T>,
    private readonly policy: OverflowPolicy<T>,
    private readonly sink: PullSink<T>,
    private readonly demand?: Demand,
  ) {
    if (policy.overflow === 'dropOldest') {
      this.queue = new DropOldestQueue<T>(policy.capacity);
      this.sizeOf = () => 1;
    } else {
      this.queue = new Fifo<T>();
      this.sizeOf = policy.sizeOf ?? (() => 1);
    }
    // Subscribed at once, not at the first request: a hot source's items from now on are held
    // under the policy (a live feed's reader must not miss what came before its first read).
    this.subscription = source.subscribe({
      next: (item) => this.onItem(item),
      error: (e: unknown) => this.fail(e),
      complete: () => {
        this.completed = true;
        this.react();
      },
    });
    this.subscribing = false;
    if (this.finished || this.failure !== undefined) this.subscription.unsubscribe();
  }

  /** Builds the puller of a demand-driven source (see `DemandDriven`). */
  static demandDriven<T>(
    subscribe: (demand: Demand) => Observable<T>,
    sink: PullSink<T>,
  ): ObservablePuller<T> {
    const demand = new Demand();
    // A well-behaved source never runs ahead; a few items of slack tolerate one that emits a
    // little past its credit, more is a bug in the source and fails the flow.
    return new ObservablePuller(subscribe(demand), { overflow: 'error', highWaterMark: 16 }, sink, demand);
  }

  get queued(): number {
    return this.queue.length;
  }

  get dropped(): number {
    return this.queue instanceof DropOldestQueue ? this.queue.dropped : 0;
  }

  request(): void {
    if (this.finished) return;
    this.waiting = true;
    // From inside `sink.next` the running loop answers it: no recursion however many items are
    // held or however synchronously a demand-driven source answers its credit.
    if (!this.pumping) this.pump();
  }

  cancel(): void {
    if (this.finished) return;
    this.finished = true;
    this.clear();
    this.subscription?.unsubscribe(); // undefined while still subscribing
    this.resume();
  }

  private onItem(item: T): void {
    if (this.finished || this.failure !== undefined) return;
    if (this.queue instanceof DropOldestQueue) {
      this.queue.push(item);
    } else {
      this.queue.push(item);
      this.heldUnits += this.sizeOf(item);
    }
    if (this.queue.length > this.highWater) this.highWater = this.queue.length;
    this.react();
    this.checkBound();
  }

  /** Something arrived: answer the outstanding request with it (within a running loop or as one). */
  private react(): void {
    if (this.pumping) this.answer();
    else this.pump();
  }

  /** Answers requests until none is outstanding or nothing is there to answer with. */
  private pump(): void {
    this.pumping = true;
    try {
      while (this.waiting && !this.finished) {
        if (this.answer()) continue; // a re-entrant request() set `waiting` again
        if (this.demand === undefined || this.granted) break; // answered when an item arrives
        this.granted = true;
        this.demand.request(1); // a synchronous source answers within this call
      }
    } finally {
      this.pumping = false;
    }
  }

  private checkBound(): void {
    const policy = this.policy;
    if (policy.overflow === 'dropOldest' || this.heldUnits <= policy.highWaterMark) return;
    if (policy.overflow === 'pause') {
      this.paused ??= policy.pause();
      return;
    }
    this.fail(
      new BufferOverflowError(
        `an Observable emitted more than ${policy.highWaterMark} ahead of demand; ` +
          "give it a bound with bounded(source, { overflow: 'dropOldest' | 'pause' | 'error', ... }), " +
          'or make it demand-driven',
      ),
    );
  }

  /**
   * The source failed or overflowed: its held items are discarded and the sink hears at once,
   * request or not (a consumer that stopped asking must not wait forever on a dead source), except
   * while the constructor is still subscribing: then at the first request.
   */
  private fail(e: unknown): void {
    if (this.finished || this.failure !== undefined) return;
    this.failure = { e };
    this.clear();
    this.subscription?.unsubscribe(); // undefined while still subscribing
    if (this.subscribing) return;
    this.waiting = true;
    this.answer();
  }

  /** Answers the outstanding request if it can; true when it did. */
  private answer(): boolean {
    if (!this.waiting || this.finished) return false;
    if (this.failure !== undefined) {
      this.settle();
      this.finished = true;
      this.resume();
      this.sink.error(this.failure.e);
      return true;
    }
    const lag = this.lagNotice();
    if (lag !== undefined) {
      this.settle();
      this.sink.next(lag, false);
      return true;
    }
    if (this.queue.length > 0) {
      const item = this.queue.shift() as T;
      if (!(this.queue instanceof DropOldestQueue)) this.heldUnits -= this.sizeOf(item);
      this.settle();
      this.delivered++;
      if (
        this.paused !== undefined &&
        this.heldUnits <= (this.policy as { highWaterMark: number }).highWaterMark
      )
        this.resume();
      this.sink.next(item, this.completed && this.queue.length === 0);
      return true;
    }
    if (this.completed) {
      this.settle();
      this.finished = true;
      this.sink.complete();
      return true;
    }
    return false;
  }

  /** The outstanding request is being answered. */
  private settle(): void {
    this.waiting = false;
    this.granted = false;
  }

  /** `dropOldest`: items were dropped since the consumer last pulled: tell it first. */
  private lagNotice(): T | undefined {
    if (!(this.queue instanceof DropOldestQueue) || this.policy.overflow !== 'dropOldest') return undefined;
    const lagged = this.policy.lagged;
    if (lagged === undefined) return undefined;
    const n = this.queue.takeDropped();
    return n > 0 ? lagged(n) : undefined;
  }

  private resume(): void {
    this.paused?.unpause();
    this.paused = undefined;
  }

  private clear(): void {
    while (this.queue.length > 0) this.queue.shift();
    this.heldUnits = 0;
  }
}

/**
 * A first-in first-out queue with O(1) `shift`: `Array.prototype.shift` moves every remaining
 * item once the array is large (V8 cannot trim it in place), so draining 100 000 held items took
 * seconds. The consumed head is cut off once it is the larger half.
 */
class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** Removes and returns the oldest item; the caller checks `length` first. */
  shift(): T | undefined {
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}
