import type { PauseToken } from '../pauser.js';

/**
 * What a pulled Observable does with items it emits ahead of demand. An Observable pushes; it
 * cannot be made to wait. So its items wait in a buffer owned by the puller, and the caller
 * chooses what happens when the buffer is full (DESIGN.md rule 1: nothing queues without bound):
 *
 * - `error`: fail the flow with `BufferOverflowError` (the source was expected to be small);
 * - `pause`: call `pause()` (e.g. a socket fount's `pauseFlow`) and unpause once drained — for
 *   sources that can stop at their origin;
 * - `dropOldest`: keep the newest `capacity` items, count the rest, and when the consumer pulls
 *   again give it `lagged(count)` first — for live feeds where old items lose their value.
 */
export type OverflowPolicy<T> =
  | {
      readonly overflow: 'error';
      /** Units held before failing (default unit: items; see `sizeOf`). */
      readonly highWaterMark: number;
      readonly sizeOf?: (item: T) => number;
    }
  | {
      readonly overflow: 'pause';
      /** Units held before pausing the source. */
      readonly highWaterMark: number;
      readonly sizeOf?: (item: T) => number;
      readonly pause: () => PauseToken;
    }
  | {
      readonly overflow: 'dropOldest';
      /** Items held; older ones are dropped beyond it. */
      readonly capacity: number;
      /** The item handed to the consumer in place of `dropped` items it missed. */
      readonly lagged?: (dropped: number) => T;
    };

/** What a pulled Observable's buffer did; live numbers, e.g. for an app's stats page. */
export interface PullStats {
  /** Items waiting now. */
  readonly queued: number;
  /** The most items that ever waited. */
  readonly highWater: number;
  /** Items dropped (`dropOldest`) over the pull's life. */
  readonly dropped: number;
  /** Items handed to the consumer (lag notices not counted). */
  readonly delivered: number;
}
