/** What the scheduler needs of a stream: its RFC 9218 priority and two intrusive list links. */
export interface Schedulable {
  readonly id: number;
  urgency: number;
  incremental: boolean;
  schedPrev: Schedulable | null;
  schedNext: Schedulable | null;
  scheduled: boolean;
}

const LEVELS = 8;

/**
 * Picks which stream's pending DATA goes next (RFC 9218 §10): the lowest urgency first (0..7);
 * within one urgency, non-incremental streams are served one after the other in the order they
 * became ready, incremental ones round-robin one frame at a time (the connection calls `rotate`).
 * One intrusive doubly linked list per urgency: add, remove, rotate are O(1), no allocation.
 *
 * Worked example: A (u=3, i), B (u=3, i), C (u=1) all ready → C until it is drained or blocked,
 * then A, B, A, B, ... one frame each.
 *
 * @example
 * const s = new SendScheduler<MyStream>();
 * s.add(stream); s.next(); // stream
 */
export class SendScheduler<T extends Schedulable> {
  /**
   * Each level's head (slot 2u) and tail (2u + 1); made when a stream is added and dropped when
   * the last one leaves, so an idle connection keeps no arrays (~220 B for a head and a tail array).
   */
  private ends: (T | null)[] | undefined;
  /** Streams scheduled now. */
  private count = 0;

  /** Appends the stream at the tail of its urgency level, unless it is already scheduled. */
  add(s: T): void {
    if (s.scheduled) return;
    this.ends ??= new Array<T | null>(2 * LEVELS).fill(null);
    const ends = this.ends;
    const u = s.urgency;
    s.scheduled = true;
    s.schedNext = null;
    s.schedPrev = ends[2 * u + 1]!;
    if (s.schedPrev === null) ends[2 * u] = s;
    else s.schedPrev.schedNext = s;
    ends[2 * u + 1] = s;
    this.count++;
  }

  remove(s: T): void {
    const ends = this.ends;
    if (!s.scheduled || ends === undefined) return;
    const u = s.urgency;
    if (s.schedPrev === null) ends[2 * u] = s.schedNext as T | null;
    else s.schedPrev.schedNext = s.schedNext;
    if (s.schedNext === null) ends[2 * u + 1] = s.schedPrev as T | null;
    else s.schedNext.schedPrev = s.schedPrev;
    s.schedPrev = null;
    s.schedNext = null;
    s.scheduled = false;
    if (--this.count === 0) this.ends = undefined;
  }

  /** Moves the stream to the tail of its level (after it sent one frame as an incremental stream). */
  rotate(s: T): void {
    if (!s.scheduled || s.schedNext === null) return;
    this.remove(s);
    this.add(s);
  }

  /** Changes a stream's priority, keeping it scheduled if it was. */
  reprioritize(s: T, urgency: number, incremental: boolean): void {
    const was = s.scheduled;
    this.remove(s);
    s.urgency = urgency;
    s.incremental = incremental;
    if (was) this.add(s);
  }

  /** The stream to serve now, or null when none is ready. */
  next(): T | null {
    const ends = this.ends;
    if (ends === undefined) return null;
    for (let u = 0; u < LEVELS; u++) {
      const h = ends[2 * u]!;
      if (h !== null) return h;
    }
    return null;
  }

  /** Forgets every stream (the connection closed). */
  clear(): void {
    const ends = this.ends;
    if (ends === undefined) return;
    for (let u = 0; u < LEVELS; u++) {
      let s = ends[2 * u]!;
      while (s !== null) {
        const n = s.schedNext as T | null;
        s.schedPrev = null;
        s.schedNext = null;
        s.scheduled = false;
        s = n!;
      }
    }
    this.ends = undefined;
    this.count = 0;
  }
}
