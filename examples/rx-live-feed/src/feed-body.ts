import type { Observable, Subscription } from 'rxjs';
import { DropOldestQueue } from './drop-oldest-queue.js';

const encoder = new TextEncoder();

/** What one client's feed body did; live, read by the app's stats. */
export interface FeedClientStats {
  /** Events waiting for this client now. */
  readonly queued: number;
  /** The most events that ever waited for this client (≤ the queue capacity). */
  readonly highWater: number;
  /** Events this client never got because it read too slowly. */
  readonly dropped: number;
  /** Events handed to the transport for this client. */
  readonly delivered: number;
}

/** Options of `feedBody`. */
export interface FeedBodyOptions {
  /** Events held for a client that is not reading; older ones are dropped beyond it. */
  readonly capacity: number;
  /** The text sent in place of `dropped` events the client missed. */
  readonly lagNotice: (dropped: number) => string;
}

/**
 * One client's response body for a shared, already-encoded feed.
 *
 * The body is a pull source (`highWaterMark: 0`): the transport reads it only when the stream's
 * flow-control window and the socket have room, so a client that stops reading stops being
 * read for. Meanwhile its events wait in a `DropOldestQueue`, so the server holds at most
 * `capacity` events for it (references to the shared strings, not copies), and the feed itself
 * never waits: other clients are not slowed. When it reads again it gets the newest events,
 * preceded by a lag notice. Everything queued is sent as one chunk (one DATA frame when it fits).
 *
 * Cancelling the body (the client reset the stream or went away) unsubscribes from the feed.
 */
export function feedBody(
  events$: Observable<string>,
  options: FeedBodyOptions,
): { readonly body: ReadableStream<Uint8Array>; readonly stats: FeedClientStats } {
  const queue = new DropOldestQueue<string>(options.capacity);
  let delivered = 0;
  let subscription: Subscription | undefined;
  let waitingReader: ReadableStreamDefaultController<Uint8Array> | undefined;
  let completed = false;

  const deliver = (controller: ReadableStreamDefaultController<Uint8Array>): void => {
    const dropped = queue.takeDropped();
    let text = dropped > 0 ? options.lagNotice(dropped) : '';
    for (let event = queue.shift(); event !== undefined; event = queue.shift()) {
      text += event;
      delivered++;
    }
    controller.enqueue(encoder.encode(text));
  };

  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        subscription = events$.subscribe({
          next(event) {
            queue.push(event);
            if (waitingReader !== undefined) {
              waitingReader = undefined;
              deliver(controller);
            }
          },
          error(e: unknown) {
            controller.error(e);
          },
          complete() {
            completed = true;
            if (waitingReader !== undefined) controller.close();
          },
        });
      },
      pull(controller) {
        if (queue.length > 0) deliver(controller);
        else if (completed) controller.close();
        else waitingReader = controller;
      },
      cancel() {
        subscription?.unsubscribe();
      },
    },
    { highWaterMark: 0 },
  );

  const stats: FeedClientStats = {
    get queued() {
      return queue.length;
    },
    get highWater() {
      return queue.highWater;
    },
    get dropped() {
      return queue.dropped;
    },
    get delivered() {
      return delivered;
    },
  };
  return { body, stats };
}
