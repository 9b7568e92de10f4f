import type { Role } from './options.js';
import type { H2Stream } from './stream.js';
import type { ClosedCause } from './stream-state.js';

/** RFC 9113 §5.1.1: stream identifiers are 31 bits; a connection that used them all is done. */
export const MAX_STREAM_ID = 0x7fff_ffff;

const NO_STREAMS: ReadonlyMap<number, H2Stream> = new Map();

interface ClosedRecord {
  readonly cause: ClosedCause;
  readonly at: number;
}

/**
 * Which streams exist and what became of the others (RFC 9113 §5.1, §5.1.1, §5.1.2): the live
 * streams, a bounded memory of closed ones (to tell "closed" from "idle" when a late frame
 * arrives), the connection credit still on loan for streams that ended before their data was
 * consumed, the stream-id counters of both ends and the MAX_CONCURRENT_STREAMS counts.
 * hyperium/h2 splits the same concern into `streams/store.rs` and `streams/counts.rs`.
 */
export class StreamRegistry {
  /**
   * Open, half-closed, and (client) queued streams: made with the first, dropped with the last,
   * so an idle connection keeps no empty Map (~180 B, a Map's table does not shrink below it).
   */
  private live: Map<number, H2Stream> | undefined;
  /**
   * Connection credit still on loan for streams that closed before their data was consumed;
   * made on the first such stream.
   */
  private lingering: Map<number, number> | undefined;
  private readonly closed = new Map<number, ClosedRecord>();
  /** §5.1.1: the highest id the peer opened; every idle peer stream below it is implicitly closed. */
  highestPeerId = 0;
  /** The next id we hand out (odd for a client, even for a server). */
  nextLocalId: number;
  /** §5.1.2: open or half-closed streams each end initiated. */
  peerActive = 0;
  localActive = 0;
  /** When the last live stream closed (or the connection started): the idle timeout's start. */
  idleSince = 0;

  constructor(
    private readonly role: Role,
    private readonly maxClosed: number,
  ) {
    this.nextLocalId = role === 'client' ? 1 : 2;
  }

  get(id: number): H2Stream | undefined {
    return this.live?.get(id);
  }

  get size(): number {
    return this.live?.size ?? 0;
  }

  /** The live streams (a stream added while iterating may or may not be visited). */
  streams(): IterableIterator<H2Stream> {
    return (this.live ?? NO_STREAMS).values();
  }

  /** True for ids of the peer's parity (odd from a client, even from a server). */
  isPeerId(id: number): boolean {
    return (id & 1) === (this.role === 'server' ? 1 : 0);
  }

  /** RFC 9113 §5.1: a stream neither end has opened yet (a queued request counts as idle on the wire). */
  isIdle(id: number): boolean {
    return this.isPeerId(id)
      ? id > this.highestPeerId
      : id >= this.nextLocalId || this.live?.get(id)?.queued === true;
  }

  /** A fresh local id, or undefined once 2^31-1 is passed (§5.1.1: open a new connection). */
  allocateLocalId(): number | undefined {
    const id = this.nextLocalId;
    if (id > MAX_STREAM_ID) return undefined;
    this.nextLocalId += 2;
    return id;
  }

  add(s: H2Stream): void {
    this.live ??= new Map();
    this.live.set(s.id, s);
  }

  /** The stream is open or half-closed: it counts against a MAX_CONCURRENT_STREAMS (§5.1.2). */
  countActive(s: H2Stream): void {
    s.counted = true;
    if (s.peerInitiated) this.peerActive++;
    else this.localActive++;
  }

  /** Drops a live stream and its count. */
  remove(s: H2Stream): void {
    if (this.live?.delete(s.id) === true && this.live.size === 0) this.live = undefined;
    if (s.counted) {
      s.counted = false;
      if (s.peerInitiated) this.peerActive--;
      else this.localActive--;
    }
  }

  /** Remembers how a stream closed (bounded: the oldest record goes first). */
  remember(id: number, cause: ClosedCause, now: number): void {
    this.closed.set(id, { cause, at: now });
    if (this.closed.size > this.maxClosed) {
      this.closed.delete(this.closed.keys().next().value as number);
    }
  }

  /**
   * How the stream closed, as far as late frames are concerned: undefined when forgotten, or when
   * we reset it longer than `graceMs` ago (§5.1: frames in flight after our RST_STREAM are ignored
   * only for a while).
   */
  closedCause(id: number, now: number, graceMs: number): ClosedCause | undefined {
    const rec = this.closed.get(id);
    if (rec === undefined || (rec.cause === 'sentReset' && now - rec.at > graceMs)) return undefined;
    return rec.cause;
  }

  /** The application may name this id without misuse: it was opened once (or is remembered). */
  wasOpened(id: number): boolean {
    if (this.closed.has(id) || this.lingering?.has(id)) return true;
    const opened = this.isPeerId(id) ? id <= this.highestPeerId : id < this.nextLocalId;
    return opened && id > 0;
  }

  /** A stream closed with `held` octets of connection credit not yet consumed: on loan until they are. */
  lendLingering(id: number, held: number): void {
    this.lingering ??= new Map();
    this.lingering.set(id, held);
  }

  /** Takes up to `n` octets of a closed stream's credit on loan; returns what was taken. */
  takeLingering(id: number, n: number): number {
    const held = this.lingering?.get(id);
    if (this.lingering === undefined || held === undefined) return 0;
    const m = Math.min(n, held);
    if (m === held) this.lingering.delete(id);
    else this.lingering.set(id, held - m);
    return m;
  }

  /** The connection is over: no stream is live any more. */
  clear(): void {
    // Streams still referenced by a caller up the stack must read as closed and uncounted.
    for (const s of this.streams()) {
      s.state = 'closed';
      s.counted = false;
    }
    this.live = undefined;
    this.peerActive = 0;
    this.localActive = 0;
  }
}
