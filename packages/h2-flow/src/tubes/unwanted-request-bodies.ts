import { onNextMicrotask } from '@h2tubes/tubes';
import type { Connection } from '../core/connection.js';

/**
 * Request bodies nobody will read once the response is complete (RFC 9113 §8.1: "a server MAY
 * request that the client abort transmission of a request without error by sending a RST_STREAM
 * with an error code of NO_ERROR after sending a complete response").
 *
 * Their DATA is discarded with its credit returned, so a client uploading to a handler that
 * answered without reading does not wait on a closed window (curl did, until its timeout). The
 * stream is reset with NO_ERROR only once the client has sent more than the window it had when the
 * response ended: it can only do so with credit from a WINDOW_UPDATE sent after the response, so
 * it has read the response first. Resetting at once broke curl 7.88 (Debian 12's): when the
 * response and the RST_STREAM arrived in one read, it failed the transfer with "(92) Stream error
 * in the HTTP/2 framing layer" instead of reporting the response. A client that stops sending
 * keeps the stream half-closed until it ends it; the bound on what is discarded is one window.
 */
export class UnwantedRequestBodies {
  /** Stream id → octets the client may still send before the stream is reset. */
  private readonly allowance = new Map<number, number>();

  constructor(
    private readonly conn: Connection,
    private readonly flush: () => void,
  ) {}

  /** The response of `streamId` is complete and its request body unread: discard from now on. */
  stop(streamId: number): void {
    this.allowance.set(streamId, this.conn.receiveWindow(streamId));
  }

  /** DATA for a stream no exchange takes any more: credit back, and the reset when it is due. */
  discard(streamId: number, length: number, flowControlledLength: number, endStream: boolean): void {
    this.conn.consume(streamId, length);
    const left = this.allowance.get(streamId);
    if (left === undefined) return;
    if (endStream) {
      this.allowance.delete(streamId);
      return;
    }
    if (left >= flowControlledLength) {
      this.allowance.set(streamId, left - flowControlledLength);
      return;
    }
    this.allowance.delete(streamId);
    // Core events come from inside the core: reset on the next microtask, not re-entrantly.
    onNextMicrotask(() => {
      if (this.conn.resetStream(streamId, 'NO_ERROR')) this.flush();
    });
  }

  /** The stream is over (ended or reset): nothing left to track. */
  forget(streamId: number): void {
    this.allowance.delete(streamId);
  }
}
