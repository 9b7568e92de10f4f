import type { H2Stream } from './stream.js';

/**
 * Request bodies nobody will read once the response is complete (RFC 9113 §8.1: "a server MAY
 * request that the client abort transmission of a request without error by sending a RST_STREAM
 * with an error code of NO_ERROR after sending a complete response").
 *
 * Their DATA is discarded with its credit returned (stream and connection), so a client uploading
 * to a handler that answered without reading does not wait on a closed window (curl did, until
 * its timeout). The stream is reset with NO_ERROR only once the client has sent more than the
 * receive window it had when our response ended: it can only do so with credit from a
 * WINDOW_UPDATE sent after the response, so it has read the response first. Resetting at once
 * broke curl 7.88 (Debian 12's): when the response and the RST_STREAM arrived in one read, it
 * failed the transfer with "(92) Stream error in the HTTP/2 framing layer" instead of reporting
 * the response. A client that stops sending keeps the stream half-closed until it ends it; the
 * bound on what is discarded is one window.
 */

/** From now on the stream's request body is discarded; the allowance starts when our response ends. */
export function startDiscarding(s: H2Stream): void {
  s.discardBody = true;
  if (s.state === 'halfClosedLocal') responseEnded(s);
}

/** We sent END_STREAM: what the client may still send without new credit is its window now. */
export function responseEnded(s: H2Stream): void {
  if (s.discardBody && s.discardAllowance < 0) s.discardAllowance = s.recv.available;
}

/**
 * One discarded DATA frame of `flowControlledLength` octets (padding included) without END_STREAM:
 * true when it goes past the allowance, i.e. the client has read the response: reset it now.
 */
export function discardedPastAllowance(s: H2Stream, flowControlledLength: number): boolean {
  if (s.discardAllowance < 0) return false;
  if (s.discardAllowance >= flowControlledLength) {
    s.discardAllowance -= flowControlledLength;
    return false;
  }
  return true;
}
