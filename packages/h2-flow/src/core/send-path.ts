import type { DecodedFrame } from '@h2tubes/h2-frames/core';
import type { Closing } from './closing.js';
import type { ConnectionEvent } from './events.js';
import type { FlowWindow } from './flow-window.js';
import * as out from './outbound-frames.js';
import type { SendScheduler } from './send-scheduler.js';
import type { H2Stream } from './stream.js';

/** What the send path needs. */
export interface SendPathParts {
  readonly scheduler: SendScheduler<H2Stream>;
  /** The connection's send window (RFC 9113 §6.9.1). */
  readonly connSend: FlowWindow;
  readonly closing: Closing;
  readonly frame: (f: DecodedFrame) => void;
  readonly emit: (e: ConnectionEvent) => void;
  /** The peer's SETTINGS_MAX_FRAME_SIZE in force. */
  readonly peerMaxFrameSize: () => number;
  readonly sendBufferSize: number;
}

const EMPTY = new Uint8Array(0);

/**
 * Pending body octets to DATA frames (RFC 9113 §6.1, §6.9, RFC 9218 §10): streams with octets and
 * credit are scheduled; `flush` writes within the windows, the frame size and the socket's room;
 * the end of a body becomes END_STREAM on the last DATA, an empty DATA or trailers.
 * hyperium/h2: `proto/streams/send.rs` and `prioritize.rs`.
 */
export class SendPath {
  constructor(private readonly p: SendPathParts) {}

  /** See `Connection.flush`. */
  flush(maxBytes: number): number {
    const p = this.p;
    let written = 0;
    const frameMax = p.peerMaxFrameSize();
    const connSend = p.connSend;
    while (!p.closing.isClosed && written < maxBytes && connSend.size > 0) {
      const s = p.scheduler.next();
      if (s === null) break;
      if (s.sendWindow.size <= 0) {
        // A smaller SETTINGS_INITIAL_WINDOW_SIZE can leave a scheduled stream without credit (§6.9.2).
        p.scheduler.remove(s);
        continue;
      }
      const room = Math.min(s.sendWindow.size, connSend.size, frameMax, maxBytes - written);
      const before = s.pendingBytes;
      const chunk = s.take(room);
      const n = chunk.length;
      s.sendWindow.shrink(n);
      connSend.shrink(n);
      written += n;
      s.sentData = true;
      const last = s.pendingBytes === 0 && s.endQueued;
      p.frame(out.data(s.id, chunk, last && s.trailers === undefined));
      if (s.pendingBytes === 0 || s.sendWindow.size <= 0) p.scheduler.remove(s);
      else if (s.incremental) p.scheduler.rotate(s);
      if (last) this.finishBody(s, s.trailers === undefined);
      else if (before >= p.sendBufferSize && s.pendingBytes < p.sendBufferSize && s.outPhase === 'body') {
        p.emit({ kind: 'sendCapacityAvailable', streamId: s.id });
      }
    }
    return written;
  }

  /** After buffering: schedule DATA, or write END_STREAM / trailers at once when nothing is pending. */
  afterEnqueue(s: H2Stream): void {
    if (s.queued) return;
    if (s.pendingBytes > 0) return this.scheduleIfReady(s);
    if (s.endQueued) this.finishBody(s, false);
  }

  /** The stream has octets and credit (again): it takes part in the next `flush`. */
  scheduleIfReady(s: H2Stream): void {
    if (s.pendingBytes > 0 && s.sendWindow.size > 0 && !s.queued) this.p.scheduler.add(s);
  }

  /** The body's last byte is out (or there was none): write trailers or an empty END_STREAM DATA. */
  private finishBody(s: H2Stream, endWritten: boolean): void {
    if (s.trailers !== undefined) this.p.frame(out.headers(s.id, s.trailers, true));
    else if (!endWritten) this.p.frame(out.data(s.id, EMPTY, true));
    this.p.closing.weEnded(s);
  }
}
