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
  private readonly queue: DropOldestQueue<T> | T[];
  private readonly sizeOf: (item: T) => number;
  private heldUnits = 0;
  private readonly subscription: Subscription;
  private paused: PauseToken | undefined;
  private waiting = false;
  private completed = false;
  private failure: { e: unknown } | undefined;
  private finished = false;
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
      this.queue = [];
      this.sizeOf = policy.sizeOf ?? (() => 1);
    }
    // Subscribed at once, not at the first request: a hot source's items from now on are held
    // under the policy (a live feed's reader must not miss what came before its first read).
    this.subscription = source.subscribe({
      next: (item) => this.onItem(item),
      error: (e: unknown) => {
        this.failure = { e };
        this.answer();
      },
      complete: () => {
        this.completed = true;
        this.answer();
      },
    });
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
    this.answer();
    if (this.waiting) this.demand?.request(1);
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
    this.answer();
    this.checkBound();
  }

  private checkBound(): void {
    const policy = this.policy;
    if (policy.overflow === 'dropOldest' || this.heldUnits <= policy.highWaterMark) return;
    if (policy.overflow === 'pause') {
      this.paused ??= policy.pause();
      return;
    }
    this.failure = {
      e: new BufferOverflowError(
        `an Observable emitted more than ${policy.highWaterMark} ahead of demand; ` +
          "give it a bound with bounded(source, { overflow: 'dropOldest' | 'pause' | 'error', ... }), " +
          'or make it demand-driven',
      ),
    };
    this.clear();
    this.subscription?.unsubscribe(); // undefined while still subscribing
    this.answer();
  }

  private answer(): void {
    if (!this.waiting || this.finished) return;
    if (this.failure !== undefined) {
      this.waiting = false;
      this.finished = true;
      this.resume();
      this.sink.error(this.failure.e);
      return;
    }
    const lag = this.lagNotice();
    if (lag !== undefined) {
      this.waiting = false;
      this.sink.next(lag, false);
      return;
    }
    if (this.queue.length > 0) {
      const item = this.queue.shift() as T;
      if (!(this.queue instanceof DropOldestQueue)) this.heldUnits -= this.sizeOf(item);
      this.waiting = false;
      this.delivered++;
      if (
        this.paused !== undefined &&
        this.heldUnits <= (this.policy as { highWaterMark: number }).highWaterMark
      )
        this.resume();
      this.sink.next(item, this.completed && this.queue.length === 0);
    } else if (this.completed) {
      this.waiting = false;
      this.finished = true;
      this.sink.complete();
    }
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
