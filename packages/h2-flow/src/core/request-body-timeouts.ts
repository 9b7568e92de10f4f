import { type DecodedFrame, type ErrorCode, H2ProtocolError } from '@h2tubes/h2-frames/core';
import type { Clock, Closing } from './closing.js';
import type { ConnectionEvent } from './events.js';
import type { LimitName } from './limits.js';
import type { ResolvedOptions } from './options.js';
import * as out from './outbound-frames.js';
import type { ReceiveCredit } from './receive-credit.js';
import type { H2Stream } from './stream.js';
import type { StreamRegistry } from './stream-registry.js';

/** What the request-body clocks work with. */
export interface RequestBodyTimeoutParts {
  readonly o: ResolvedOptions;
  readonly registry: StreamRegistry;
  /** Our connection receive window: while the peer has no credit on it, no stream's clock runs. */
  readonly connRecv: ReceiveCredit;
  readonly closing: Closing;
  readonly clock: Clock;
  readonly frame: (f: DecodedFrame) => void;
  readonly emit: (e: ConnectionEvent) => void;
}

const STATUS_408 = [{ name: ':status', value: '408' }] as const;

/** How often a paused stream is looked at when its budget is nearly spent (see `tick`). */
const PAUSED_POLL_MS = 1000;

/**
 * Server: request bodies that stop or crawl (slowloris on the body). Two clocks per stream whose
 * request body is still arriving (HEADERS without END_STREAM, until END_STREAM or the stream
 * closes), both in "active time":
 *
 * - `requestBodyTimeoutMs` (nginx's client_body_timeout, 60 s): that long without DATA progress
 *   (any DATA octet, padding included; an empty DATA frame is no progress) → `requestBodyTimeout`.
 * - `minRequestBodyRate` after `minRequestBodyRateGraceMs` (Kestrel's MinRequestBodyDataRate,
 *   240 octets/s after 5 s): once the active time t is past the grace, the body's flow-controlled
 *   octets must stay above rate × t (averaged from the request's HEADERS, as Kestrel averages) →
 *   `minRequestBodyRate`. It trips at t = max(grace, octets / rate). With the defaults, a body
 *   that sends nothing after its HEADERS is answered at 5 s by this one, long before 60 s.
 *
 * Active time stops while the client cannot send: our receive window of the stream, or of the
 * connection, is exhausted (the application does not consume, or WINDOW_UPDATEs are still being
 * coalesced). That is our backpressure, never the client's fault (Kestrel pauses its rate timing
 * when the application does not read, and already on low connection credit, where we wait for 0:
 * a client with any credit left can send; nginx re-arms its timer when it reopens the window). A pause does not reset the clocks: the time before it still counts.
 * A paused stream therefore never trips, however long the application leaves it unread. Windows
 * close only on DATA, when the core has just been given the time; they reopen on `consume`, which
 * carries none, so a reopening takes effect at the next time the core is given (DATA, or the tick
 * `deadline()` then asks for at once): the client is never charged for our pause, at most spared
 * the moments until that tick. While paused, a stream is looked at again when its budget could
 * run out (at least 1 s apart), so a reopening is seen even if the I/O layer does not tick for it.
 *
 * The answer (RFC 9113 §8.1): with no response started, a `408 Request Timeout` (RFC 9110 §15.5.9)
 * with END_STREAM, then RST_STREAM NO_ERROR — the response is complete, so §8.1 lets us ask the
 * client to stop its body "without error", and clients must not discard the response. With our
 * response already complete (END_STREAM sent; e.g. a body being discarded), RST_STREAM NO_ERROR for
 * the same reason. With a response still under way, RST_STREAM CANCEL: the response is cut short.
 * The stream then closes and is reported as `limitExceeded` then `streamReset` (by 'local', with an
 * `H2ProtocolError` saying which limit), so an exchange's signal aborts and a pending body read fails.
 * The connection stays up: one slow request is not the others' problem. Unlike Kestrel, which
 * measures one rate for the whole HTTP/2 connection and aborts it, each stream is timed on its own.
 *
 * Cost: a few number updates per DATA frame and per WINDOW_UPDATE we send (no allocation); the
 * fields live on `H2Stream`. `deadline()` is a lower bound kept in O(1) (a stream's deadline only
 * moves later; new and resumed streams lower the bound); `tick` scans the live streams once that
 * bound is reached and makes it exact.
 */
export class RequestBodyTimeouts {
  /** Server role with at least one of the two limits on. */
  readonly enabled: boolean;
  private readonly timeoutMs: number;
  private readonly rate: number;
  private readonly graceMs: number;
  /** Connection-window pauses so far (ms), and the start of the current one or -1. */
  private connPausedMs = 0;
  private connPausedSince = -1;
  /** The connection window reopened at a time not known yet (see `resumed`). */
  private connResumePending = false;
  /** Streams whose window reopened at a time not known yet; none: no array (idle connections). */
  private pending: H2Stream[] | undefined;
  /** At most the earliest time `tick` has a stream to look at (exact after `tick`). */
  private earliest = Number.POSITIVE_INFINITY;

  constructor(private readonly p: RequestBodyTimeoutParts) {
    this.timeoutMs = p.o.requestBodyTimeoutMs;
    this.rate = p.o.minRequestBodyRate;
    this.graceMs = p.o.minRequestBodyRateGraceMs;
    this.enabled = p.o.role === 'server' && (this.timeoutMs > 0 || this.rate > 0);
  }

  /**
   * A request's HEADERS without END_STREAM (the clock is fresh): its body clocks start now. Not
   * for CONNECT (RFC 9113 §8.5, RFC 8441): a tunnel or a WebSocket is idle as long as it likes
   * (Kestrel exempts upgraded connections too); `exempt` does the same for other long-lived bodies.
   */
  started(s: H2Stream): void {
    if (!this.enabled || s.method === 'CONNECT') return;
    const now = this.p.clock.now;
    this.resumed(now);
    s.bodyTimed = true;
    s.bodyBase = now;
    s.bodyConnSnap = this.connPaused(now);
    if (s.recv.available <= 0) this.pause(s, now);
    this.earliest = Math.min(this.earliest, this.runningDeadline(s));
  }

  /** DATA counted against the stream's window (`fcl` octets, padding included; the clock is fresh). */
  received(s: H2Stream, fcl: number): void {
    if (!this.enabled) return;
    const now = this.p.clock.now;
    this.resumed(now);
    if (s.bodyTimed) {
      if (fcl > 0) {
        s.bodyOctets += fcl;
        s.bodyProgressAt = this.active(s, now);
      }
      if (s.recv.available <= 0) this.pause(s, now);
    }
    // Any stream's DATA (an exempt one's too) may exhaust the connection window.
    this.connectionWindowChanged();
  }

  /**
   * The stream's receive window moved (WINDOW_UPDATE out, SETTINGS delta). A reopened window is
   * only noted: `consume` may come from the application long after the core last saw the time,
   * and resuming at that stale time would charge the client with our pause. The resume takes
   * effect at the next time passed in (`receive`, `tick`; `deadline()` asks for a tick at once).
   */
  windowChanged(s: H2Stream): void {
    if (!s.bodyTimed) return;
    // Closed (a smaller SETTINGS_INITIAL_WINDOW_SIZE acknowledged), or closed again before a
    // pending resume took effect: the same pause goes on.
    if (s.recv.available <= 0) this.pause(s, this.p.clock.now);
    else if (s.bodyPausedSince >= 0 && !s.bodyResumePending) {
      s.bodyResumePending = true;
      if (this.pending === undefined) this.pending = [s];
      else this.pending.push(s);
    }
  }

  /**
   * The connection's receive window moved (DATA in, credit back). It only closes on DATA, when
   * the time is fresh; a reopening is noted as in `windowChanged`.
   */
  connectionWindowChanged(): void {
    if (!this.enabled) return;
    const open = this.p.connRecv.available > 0;
    if (this.connPausedSince >= 0) this.connResumePending = open;
    else if (!open) this.connPausedSince = this.p.clock.now;
  }

  /** When `tick` has something to look at (a lower bound), or +∞. */
  deadline(): number {
    if (this.connResumePending || this.pending !== undefined) return this.p.clock.now;
    return this.earliest;
  }

  /** Answers every stream whose clock ran out; makes `deadline()` exact again. */
  tick(now: number): void {
    if (this.deadline() > now) return;
    this.resumed(now);
    // Built in the field: a stream the sink resumes meanwhile adds itself to it.
    this.earliest = Number.POSITIVE_INFINITY;
    for (const s of this.p.registry.streams()) {
      if (!s.bodyTimed || s.inPhase !== 'body') continue;
      if (s.bodyPausedSince >= 0 || this.connPausedSince >= 0) {
        // Paused: look again when its budget could run out if it resumed now (at least 1 s on),
        // so a resume the tube layer does not tick for is seen within that time.
        const left = this.runningDeadline(s) - this.wallAt(s, this.active(s, now));
        this.earliest = Math.min(this.earliest, now + Math.max(left, PAUSED_POLL_MS));
        continue;
      }
      const t = this.runningDeadline(s);
      if (t > now) {
        this.earliest = Math.min(this.earliest, t);
        continue;
      }
      this.trip(s, this.progressDeadline(s) <= now ? 'requestBodyTimeout' : 'minRequestBodyRate');
      if (this.p.closing.isClosed) return;
    }
  }

  /** Pending resumes take effect at `now`, the first time known after them. */
  private resumed(now: number): void {
    if (this.connResumePending) {
      this.connResumePending = false;
      this.connPausedMs += now - this.connPausedSince;
      this.connPausedSince = -1;
      this.earliest = now; // every stream runs again: the next tick makes the bound exact
    }
    const pending = this.pending;
    if (pending === undefined) return;
    this.pending = undefined;
    for (const s of pending) {
      if (!s.bodyResumePending) continue;
      s.bodyResumePending = false;
      // Only the part of the pause the connection's own pause did not already cover.
      s.bodyBase += now - s.bodyPausedSince - (this.connPaused(now) - s.bodyPauseConnSnap);
      s.bodyPausedSince = -1;
      this.earliest = Math.min(this.earliest, this.runningDeadline(s));
    }
  }

  private pause(s: H2Stream, now: number): void {
    s.bodyResumePending = false;
    if (s.bodyPausedSince >= 0) return;
    s.bodyPausedSince = now;
    s.bodyPauseConnSnap = this.connPaused(now);
  }

  /**
   * Wall time at which the stream trips if its clocks run from now on without progress, or +∞.
   * It never decreases (the base and the counts only grow), so any value is a lower bound.
   */
  private runningDeadline(s: H2Stream): number {
    if (!s.bodyTimed || s.inPhase !== 'body') return Number.POSITIVE_INFINITY;
    const progress = this.progressDeadline(s);
    if (this.rate <= 0) return progress;
    const rate = this.wallAt(s, Math.max(this.graceMs, (s.bodyOctets * 1000) / this.rate));
    return Math.min(progress, rate);
  }

  private progressDeadline(s: H2Stream): number {
    return this.timeoutMs > 0 ? this.wallAt(s, s.bodyProgressAt + this.timeoutMs) : Number.POSITIVE_INFINITY;
  }

  /** Wall time when the stream's active time reaches `active`, were nothing paused from now on. */
  private wallAt(s: H2Stream, active: number): number {
    return s.bodyBase + (this.connPausedMs - s.bodyConnSnap) + active;
  }

  /** Time the stream's clocks have run since its HEADERS (pauses of either window left out). */
  private active(s: H2Stream, now: number): number {
    const cp = this.connPaused(now);
    let a = now - s.bodyBase - (cp - s.bodyConnSnap);
    if (s.bodyPausedSince >= 0) a -= now - s.bodyPausedSince - (cp - s.bodyPauseConnSnap);
    return a;
  }

  private connPaused(now: number): number {
    return this.connPausedMs + (this.connPausedSince >= 0 ? now - this.connPausedSince : 0);
  }

  /** The application expects this body to be slow or idle (gRPC client streaming, long polls). */
  exempt(s: H2Stream): void {
    s.bodyTimed = false;
    s.bodyResumePending = false;
  }

  /** The wire answer (see the class comment), then the stream is closed and reported reset. */
  private trip(s: H2Stream, limit: LimitName): void {
    const p = this.p;
    const id = s.id;
    const noResponse = s.outPhase === 'head';
    if (noResponse) p.frame(out.headers(id, STATUS_408, true));
    const code: ErrorCode = noResponse || s.state === 'halfClosedLocal' ? 'NO_ERROR' : 'CANCEL';
    p.frame(out.rstStream(id, code));
    p.closing.closeStream(s, 'sentReset');
    const what =
      limit === 'requestBodyTimeout'
        ? `no request body DATA for ${this.timeoutMs} ms (requestBodyTimeoutMs)`
        : `request body slower than ${this.rate} octets/s (minRequestBodyRate)`;
    const error = new H2ProtocolError(code, 'stream', `stream ${id}: ${what}`, {
      streamId: id,
      initiator: 'local',
    });
    p.closing.limitExceeded(limit, id);
    p.emit({ kind: 'streamReset', streamId: id, code, by: 'local', retryable: false, error });
  }
}
