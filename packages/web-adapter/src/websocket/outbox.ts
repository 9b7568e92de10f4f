/** A transport waiting for the outbox: told once, at the next push or end. */
export interface OutboxReader {
  outboxReady(): void;
}

/**
 * The frames a WebSocket has produced and its transport has not taken yet. `bufferedAmount`
 * counts them; the transport takes bytes only when it can send them (the HTTP/2 stream's window,
 * the socket's 'drain'), so this queue is where an unread peer's backpressure shows.
 */
export class Outbox {
  private readonly chunks: Uint8Array[] = [];
  private octets = 0;
  private wake: OutboxReader | undefined;
  private taken: (() => void) | undefined;
  /** No more frames will come: once empty, the transport ends. */
  ended = false;

  get size(): number {
    return this.octets;
  }

  push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.octets += bytes.length;
    this.notify();
  }

  /** Takes at most `max` bytes from the front (a frame may be split: the bytes stay in order). */
  take(max = Number.POSITIVE_INFINITY): Uint8Array | undefined {
    const head = this.chunks[0];
    if (head === undefined) return undefined;
    if (head.length <= max) {
      this.chunks.shift();
      this.octets -= head.length;
      this.taken?.();
      return head;
    }
    this.chunks[0] = head.subarray(max);
    this.octets -= max;
    this.taken?.();
    return head.subarray(0, max);
  }

  /**
   * Like `take`, but frames queued behind a head shorter than `max` join it, copied into one chunk
   * of at most `max` octets: a burst of small frames (an echo answering a read's messages) then
   * goes out as one HTTP/2 DATA frame, not one each, and the peer handles one read for it.
   */
  takeJoined(max: number): Uint8Array | undefined {
    const chunks = this.chunks;
    const head = chunks[0];
    if (head === undefined || chunks.length === 1 || head.length >= max) return this.take(max);
    let n = 1;
    let total = head.length;
    for (let next = chunks[1]; next !== undefined && total + next.length <= max; next = chunks[++n]) {
      total += next.length;
    }
    if (n === 1) return this.take(max);
    const joined = new Uint8Array(total);
    let at = 0;
    for (let i = 0; i < n; i++) {
      const c = chunks[i] as Uint8Array;
      joined.set(c, at);
      at += c.length;
    }
    chunks.splice(0, n);
    this.octets -= total;
    this.taken?.();
    return joined;
  }

  /** Drops every queued frame (the connection is being failed). */
  clear(): void {
    this.chunks.length = 0;
    this.octets = 0;
  }

  end(): void {
    this.ended = true;
    this.notify();
  }

  /** Calls `reader.outboxReady()` once, at the next push or end (a transport waiting for bytes). */
  onReady(reader: OutboxReader): void {
    this.wake = reader;
  }

  /** Calls `f` after every take (someone waiting for room), until replaced or cleared. */
  onTaken(f: (() => void) | undefined): void {
    this.taken = f;
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.outboxReady();
  }
}
