/**
 * A queue of at most `capacity` items that, when full, drops its oldest item to make room.
 *
 * This is the per-client buffer of a live feed: a client that reads slower than the feed
 * produces loses the stale end of its backlog (and is told how much) instead of making the
 * server hold an unbounded backlog, or making the feed wait for it. A ring buffer, so pushing
 * and shifting are O(1) and no array is re-allocated while the feed runs.
 */
export class DropOldestQueue<T> {
  private readonly items: (T | undefined)[];
  private head = 0;
  private size = 0;
  /** Items dropped since the last `takeDropped()`. */
  private droppedSinceTaken = 0;
  /** Items dropped over the queue's life. */
  dropped = 0;
  /** The most items held at once. */
  highWater = 0;

  constructor(readonly capacity: number) {
    if (!(Number.isInteger(capacity) && capacity > 0))
      throw new RangeError('capacity must be a positive integer');
    this.items = new Array(capacity);
  }

  get length(): number {
    return this.size;
  }

  /** Adds `item` at the tail, dropping the head when the queue is full. */
  push(item: T): void {
    if (this.size === this.capacity) {
      this.items[this.head] = undefined;
      this.head = (this.head + 1) % this.capacity;
      this.size--;
      this.dropped++;
      this.droppedSinceTaken++;
    }
    this.items[(this.head + this.size) % this.capacity] = item;
    this.size++;
    if (this.size > this.highWater) this.highWater = this.size;
  }

  /** Removes and returns the oldest item, or `undefined` when empty. */
  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.size--;
    return item;
  }

  /** How many items were dropped since the previous call (so a reader can be told once). */
  takeDropped(): number {
    const n = this.droppedSinceTaken;
    this.droppedSinceTaken = 0;
    return n;
  }
}
