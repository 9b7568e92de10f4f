import type { Duplex } from 'node:stream';

/**
 * How much a writer may still hand to its sink: the level-triggered half of the demand protocol
 * (`Demand` counts credit, `Puller` asks one item at a time; this says how many octets fit now).
 * A producer that batches (an HTTP/2 connection choosing which DATA frames to send) asks `room()`
 * before each batch and waits for `onRoom` when it was out of room.
 */
export interface OutboundRoom {
  /** Octets that may be written now (≤ 0: wait for `onRoom`). */
  room(): number;
  /** True when everything written so far has left the process (the socket's buffer is empty). */
  idle(): boolean;
  /** Called when room appeared after the sink was full; returns the unsubscribe function. */
  onRoom(listener: () => void): () => void;
}

/**
 * A socket's room below a high-water mark of buffered octets (DESIGN.md rule 4: a peer that never
 * reads cannot grow our memory past it).
 *
 * @example
 * const room = socketRoom(socket, 1 << 20);
 * if (room.room() > 0) socket.write(next());
 */
export function socketRoom(socket: Duplex, highWaterMark = 1 << 20): OutboundRoom {
  return new SocketRoom(socket, highWaterMark);
}

/** `socketRoom`'s answer: one object with methods, not a record of closures (one per connection). */
class SocketRoom implements OutboundRoom {
  constructor(
    private readonly socket: Duplex,
    private readonly highWaterMark: number,
  ) {}

  room(): number {
    return this.highWaterMark - this.socket.writableLength;
  }

  idle(): boolean {
    return this.socket.writableLength === 0;
  }

  onRoom(listener: () => void): () => void {
    const socket = this.socket;
    socket.on('drain', listener);
    return () => socket.off('drain', listener);
  }
}

/** A sink that never fills (tests, in-memory pipelines). */
export const UNBOUNDED_ROOM: OutboundRoom = {
  room: () => Number.POSITIVE_INFINITY,
  idle: () => true,
  onRoom: () => () => {},
};
