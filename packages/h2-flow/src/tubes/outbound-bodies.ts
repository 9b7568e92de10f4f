import type { OverflowPolicy, Puller } from '@h2tubes/tubes';
import type { Connection } from '../core/connection.js';
import { pullBody } from './body-puller.js';
import type { BodySource, FieldList } from './exchange-types.js';

/** What the body pumps need from the stage around them. */
export interface OutboundBodiesHost {
  readonly conn: Connection;
  /** Something changed: flush at the end of the turn. */
  schedule(): void;
  /**
   * A body chunk came: flush once the chunks coming right behind it are in too (a macrotask later,
   * coalesced), so that they leave in one write.
   */
  scheduleSoon(): void;
  /** Octets the writer can take now (at 0 or below, its room event resumes the pulls). */
  room(): number;
  /** A body source failed: its stream is reset with INTERNAL_ERROR, this reports why. */
  bodyFailed(streamId: number, error: unknown): void;
  /** What a plain Observable body may hold ahead of the windows. */
  readonly observablePolicy: OverflowPolicy<Uint8Array> | undefined;
}

/** One stream's body being pulled into the core. */
interface Pump {
  readonly puller: Puller;
  readonly trailers: Promise<FieldList> | FieldList | undefined;
  /** A request is out and not yet answered. */
  waiting: boolean;
  /** The read-ahead the core allowed when the request went out (`Connection.sendData`'s bound). */
  readAhead: number;
}

const EMPTY = new Uint8Array(0);

/**
 * The send side's body pumps (DESIGN.md backpressure rule 3): each stream's body is pulled one
 * chunk at a time, and only while the core wants data for the stream (`wantsData`: headers sent,
 * its buffer below its bound) and the writer has room. The core's `sendCapacityAvailable` and
 * the writer's room event call `pull` again; a reset stream's pump is dropped and its source
 * cancelled.
 */
export class OutboundBodies {
  /** Made for a body and dropped with the last (an idle connection holds none). */
  private pumps: Map<number, Pump> | undefined;

  constructor(private readonly host: OutboundBodiesHost) {}

  /** Starts pulling `body` into stream `streamId` (headers sent); `trailers` end it when given. */
  send(streamId: number, body: BodySource, trailers: Promise<FieldList> | FieldList | undefined): void {
    const pump: Pump = {
      trailers,
      waiting: false,
      readAhead: 0,
      puller: pullBody(
        body,
        {
          next: (c, last) => {
            pump.waiting = false;
            try {
              this.take(streamId, pump, c, last);
            } catch (e) {
              this.fail(streamId, e); // a bug of ours must not become an unhandled rejection
            }
          },
          complete: () => {
            pump.waiting = false;
            this.forget(streamId);
            try {
              this.end(streamId, pump.trailers);
            } catch (e) {
              this.fail(streamId, e);
            }
          },
          error: (e: unknown) => {
            pump.waiting = false;
            this.forget(streamId);
            this.fail(streamId, e);
          },
        },
        this.host.observablePolicy,
      ),
    };
    this.pumps ??= new Map();
    this.pumps.set(streamId, pump);
    this.pull(streamId);
  }

  /** Hands one chunk of the body to the core and asks for the next (or ends the stream on the last). */
  private take(streamId: number, pump: Pump, c: Uint8Array, last: boolean): void {
    const conn = this.host.conn;
    if (last && pump.trailers === undefined) {
      // The whole body is known: END_STREAM rides on its last DATA frame.
      this.forget(streamId);
      conn.sendData(streamId, c, true, pump.readAhead);
      this.host.schedule();
      return;
    }
    if (!conn.sendData(streamId, c, false, pump.readAhead)) return this.drop(streamId);
    this.pull(streamId);
    this.host.scheduleSoon();
  }

  /** The body failed (its source, or handing it over): the stream is reset, the error reported. */
  private fail(streamId: number, e: unknown): void {
    this.drop(streamId);
    this.host.bodyFailed(streamId, e);
    this.host.conn.resetStream(streamId, 'INTERNAL_ERROR');
    this.host.schedule();
  }

  /** Ends a stream that has no (more) body, with or without trailers. */
  end(streamId: number, trailers: Promise<FieldList> | FieldList | undefined): void {
    const conn = this.host.conn;
    if (trailers === undefined) {
      conn.sendData(streamId, EMPTY, true);
      this.host.schedule();
      return;
    }
    Promise.resolve(trailers).then(
      (t: FieldList) => {
        if (t.length > 0) conn.sendTrailers(streamId, t);
        else conn.sendData(streamId, EMPTY, true);
        this.host.schedule();
      },
      () => {
        conn.resetStream(streamId, 'INTERNAL_ERROR');
        this.host.schedule();
      },
    );
  }

  /** Stops pulling a stream's body (it was reset or the connection went) and cancels its source. */
  drop(streamId: number): void {
    const pump = this.pumps?.get(streamId);
    if (pump === undefined) return;
    this.forget(streamId);
    pump.puller.cancel();
  }

  dropAll(): void {
    if (this.pumps === undefined) return;
    for (const id of [...this.pumps.keys()]) this.drop(id);
  }

  /**
   * Asks the stream's body for its next chunk if the core and the writer can take it: below the
   * stream's send buffer bound, or ahead of it by this body's share of the writer's room (and no
   * further than the windows let out; see `Connection.wantsData`). Every body's read-ahead together
   * stays within the room, so what a connection holds is still bounded by the buffers and the room.
   */
  pull(streamId: number): void {
    const pumps = this.pumps;
    const pump = pumps?.get(streamId);
    if (pumps === undefined || pump === undefined || pump.waiting) return;
    const room = this.host.room();
    if (room <= 0) return; // resumed by the writer's room event
    const share = Math.floor(room / pumps.size);
    if (!this.host.conn.wantsData(streamId, share)) return; // resumed by sendCapacityAvailable
    pump.waiting = true;
    pump.readAhead = share;
    pump.puller.request();
  }

  private forget(streamId: number): void {
    this.pumps?.delete(streamId);
    if (this.pumps?.size === 0) this.pumps = undefined;
  }

  pullAll(): void {
    if (this.pumps === undefined) return;
    for (const id of this.pumps.keys()) this.pull(id);
  }
}
