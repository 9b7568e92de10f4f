import type { DecodedFrame, PingFrame } from '@h2tubes/h2-frames/core';
import type { ConnectionEvent } from './events.js';
import * as out from './outbound-frames.js';

/**
 * Why we sent a PING: the application's, the keepalive's, the graceful GOAWAY's round (§6.8), or
 * the fence that says a client has read responses to bodies we discard (`UnreadBodyFence`, §8.1).
 */
export type PingPurpose = 'app' | 'keepalive' | 'goaway' | 'unreadBody';

interface PingRecord {
  readonly purpose: PingPurpose;
  readonly sentAt: number;
}

/** What an ACK of one of our PINGs answered. */
export interface PingAnswer {
  readonly purpose: PingPurpose;
  readonly pingId: number;
  readonly rttMs: number;
}

/** Where PING traffic goes besides our own PINGs. */
export interface PingParts {
  /** Writes one of our PINGs. */
  readonly write: (f: DecodedFrame) => void;
  /** Writes the ACK of the peer's PING: a control-frame answer, counted against the flood bound. */
  readonly answer: (f: DecodedFrame) => void;
  readonly emit: (e: ConnectionEvent) => void;
  /** The graceful GOAWAY's PING came back. */
  readonly goawayPingAcknowledged: () => void;
  /** The unread-body fence's PING came back. */
  readonly unreadBodyPingAcknowledged: () => void;
}

/**
 * PINGs both ways (RFC 9113 §6.7): the peer's answered, ours and what they measure: the
 * round-trip time (used by receive-window auto-tuning) and the peer's liveness (keepalive: a PING
 * after `intervalMs` of silence, the connection is given up when its ACK takes longer than
 * `timeoutMs`). hyperium/h2: `proto/ping_pong.rs`.
 */
export class PingAndKeepalive {
  /** The last measured round trip (ms), or the assumed one until a PING came back. */
  rttMs: number;
  /** PINGs awaiting their ACK; made on the first PING (an idle connection sends none). */
  private pings: Map<number, PingRecord> | undefined;
  private nextPingId = 1;
  private lastReceivedAt = 0;
  private keepaliveSentAt = -1;

  constructor(
    private readonly p: PingParts,
    assumedRttMs: number,
    private readonly intervalMs: number,
    private readonly timeoutMs: number,
  ) {
    this.rttMs = assumedRttMs;
  }

  /** The peer said something (any frame): the keepalive's silence starts again. */
  heard(now: number): void {
    this.lastReceivedAt = now;
  }

  /** Writes a PING carrying a fresh id; its ACK comes back through `acknowledged`. */
  send(purpose: PingPurpose, now: number): number {
    const id = this.nextPingId++;
    this.pings ??= new Map();
    this.pings.set(id, { purpose, sentAt: now });
    this.p.write(out.ping(pingPayload(id), false));
    return id;
  }

  received(f: PingFrame, now: number): void {
    // RFC 9113 §6.7: answer with the same payload; an ACK is never answered.
    if (!f.ack) return this.p.answer(out.ping(f.opaqueData, true));
    const a = this.acknowledged(f.opaqueData, now);
    if (a === undefined) return;
    if (a.purpose === 'goaway') this.p.goawayPingAcknowledged();
    else if (a.purpose === 'unreadBody') this.p.unreadBodyPingAcknowledged();
    else if (a.purpose === 'app') this.p.emit({ kind: 'pingAcknowledged', pingId: a.pingId, rttMs: a.rttMs });
  }

  /** A PING ACK: which of our PINGs it answers (undefined for one we did not send), RTT updated. */
  private acknowledged(opaqueData: Uint8Array, now: number): PingAnswer | undefined {
    const key = pingKey(opaqueData);
    const p = this.pings?.get(key);
    if (p === undefined) return undefined;
    this.pings?.delete(key);
    const rtt = now - p.sentAt;
    this.rttMs = Math.max(rtt, 1);
    if (p.purpose === 'keepalive') this.keepaliveSentAt = -1;
    return { purpose: p.purpose, pingId: key, rttMs: rtt };
  }

  /** The keepalive check: sends its PING when due; 'timedOut' when the last one went unanswered. */
  tick(now: number): 'timedOut' | undefined {
    if (this.intervalMs <= 0) return undefined;
    if (this.keepaliveSentAt >= 0)
      return now - this.keepaliveSentAt >= this.timeoutMs ? 'timedOut' : undefined;
    if (now - this.lastReceivedAt >= this.intervalMs) {
      this.keepaliveSentAt = now;
      this.send('keepalive', now);
    }
    return undefined;
  }

  /** When `tick` has something to do next, or +∞ when keepalive is off. */
  deadline(): number {
    if (this.intervalMs <= 0) return Number.POSITIVE_INFINITY;
    return this.keepaliveSentAt >= 0
      ? this.keepaliveSentAt + this.timeoutMs
      : this.lastReceivedAt + this.intervalMs;
  }
}

/** Our PING payloads carry a counter in the last four octets, so an ACK finds its record. */
function pingPayload(id: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setUint32(4, id);
  return b;
}

function pingKey(d: Uint8Array): number {
  if (d.length !== 8 || d[0]! | d[1]! | d[2]! | d[3]!) return -1;
  return new DataView(d.buffer, d.byteOffset, 8).getUint32(4);
}
