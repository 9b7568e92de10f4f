import type { H2Stream } from './stream.js';

/**
 * Request bodies nobody will read once the response is complete (RFC 9113 §8.1: "a server MAY
 * request that the client abort transmission of a request without error by sending a RST_STREAM
 * with an error code of NO_ERROR after sending a complete response").
 *
 * Their DATA is discarded with its credit returned (stream and connection), so a client uploading
 * to a handler that answered without reading does not wait on a closed window (curl did, until
 * its timeout). The stream is reset with NO_ERROR only once the client has read the response:
 * resetting at once broke curl 7.88 (Debian 12's), which failed the transfer with "(92) Stream
 * error in the HTTP/2 framing layer" when the response and the RST_STREAM arrived in one read.
 * Two signs say it has read it, whichever comes first:
 *   - it sent more than the receive window it had when our response ended: it can only do so
 *     with credit from a WINDOW_UPDATE sent after the response (`discardedPastAllowance`);
 *   - it acknowledged a PING we wrote after the response (`UnreadBodyFence`): frames are
 *     processed in order (§6.7), so the ACK comes after the response was read. This is the sign
 *     that counts when the client stops sending on its own once it sees an error status (curl:
 *     "HTTP error before end of send, stop sending") and would otherwise wait for the stream to
 *     end until its timeout.
 * The bound on what is discarded is one window, or what arrives within one round trip.
 */

/** From now on the stream's request body is discarded; the allowance starts when our response ends. */
export function startDiscarding(s: H2Stream, fence: UnreadBodyFence): void {
  s.discardBody = true;
  if (s.state === 'halfClosedLocal') fence.responseEnded(s);
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

/** What the fence needs from the connection. */
export interface UnreadBodyFenceParts {
  /** Writes a PING (after every frame written so far) whose ACK comes back as `acknowledged`. */
  readonly sendUnreadBodyPing: () => void;
  /** The client has read the complete response of `s`: RST_STREAM NO_ERROR (§8.1). */
  readonly stopBody: (s: H2Stream) => void;
}

/** Past this many entries the waiting list drops the streams that no longer wait (see `responseEnded`). */
const COMPACT_AT = 64;

/**
 * The PING round trip that tells us a client has read our responses to bodies we discard. One
 * PING is in flight at a time: it covers every such response that ended before it was written;
 * responses ending while it is out wait for the next one, written when its ACK comes back.
 */
export class UnreadBodyFence {
  /** Responses ended, not yet covered by a PING; undefined until first needed (most connections never do). */
  private waiting: H2Stream[] | undefined;
  /** Responses covered by the PING in flight; undefined while none is. */
  private covered: H2Stream[] | undefined;

  constructor(private readonly p: UnreadBodyFenceParts) {}

  /** We sent END_STREAM on `s`: if its body is being discarded, the allowance starts and a PING will say when it was read. */
  responseEnded(s: H2Stream): void {
    if (!s.discardBody || s.discardAllowance >= 0) return;
    s.discardAllowance = s.recv.available;
    this.waiting ??= [];
    // A client that never answers PINGs must not make this list grow with every stream it opens:
    // streams that ended or were reset meanwhile leave it; those still waiting are open, so counted
    // against SETTINGS_MAX_CONCURRENT_STREAMS.
    if (this.waiting.length >= COMPACT_AT) this.waiting = this.waiting.filter(stillUnread);
    this.waiting.push(s);
    if (this.covered === undefined) this.sendFence();
  }

  /** Our PING came back: every response written before it has been read. */
  acknowledged(): void {
    const read = this.covered ?? [];
    this.covered = undefined;
    for (const s of read) if (stillUnread(s)) this.p.stopBody(s);
    if (this.waiting !== undefined && this.waiting.length > 0) this.sendFence();
  }

  private sendFence(): void {
    this.covered = this.waiting;
    this.waiting = [];
    this.p.sendUnreadBodyPing();
  }
}

/** Still sending a body we discard, our response complete (not ended by the client, not reset). */
const stillUnread = (s: H2Stream): boolean => s.discardBody && s.state === 'halfClosedLocal';
