import { FrameTooLargeError, FramingError } from './framing-errors.js';

/** Options of `HeaderLengthSplitter`. */
export interface HeaderLengthSplitterOptions {
  /** Octets of the fixed header (HTTP/2: 9, gRPC: 5, a 4-octet length prefix: 4). */
  readonly headerLength: number;
  /** Reads the body length from a whole header at `buf[offset]`. */
  readonly bodyLength: (buf: Uint8Array, offset: number) => number;
  /** The largest body accepted; may be changed while running (`maxBodyLength`). */
  readonly maxBodyLength: number;
  /** The error for a body over the limit (default `FrameTooLargeError`). */
  readonly tooLarge?: (length: number, max: number) => Error;
  /** The error for input that ends inside a frame (default `FramingError`). */
  readonly truncated?: (held: number) => Error;
}

/**
 * Cuts a byte stream into frames made of a fixed header carrying the body length, then the body:
 * the engine of HTTP/2's frame splitter, gRPC's message prefix and plain length prefixes. Sans
 * I/O: `push(chunk, emit)` emits each whole frame (header + body). A frame inside one chunk is a
 * view of it; a frame straddling chunks is completed with exactly the octets it lacks (each copied
 * once). A body length over `maxBodyLength` is refused from the header alone, before anything of
 * the body is buffered, so at most one frame's worth (bounded by the limit) is ever held.
 *
 * @example
 * const s = new HeaderLengthSplitter({ headerLength: 4, bodyLength: (b, o) => new DataView(b.buffer, b.byteOffset).getUint32(o), maxBodyLength: 1 << 20 });
 * socket.on('data', (chunk) => s.push(chunk, (frame) => handle(frame.subarray(4))));
 */
export class HeaderLengthSplitter {
  /** May change at any time (HTTP/2: when our new SETTINGS_MAX_FRAME_SIZE is acknowledged). */
  maxBodyLength: number;
  private readonly headerLength: number;
  private readonly bodyLength: (buf: Uint8Array, offset: number) => number;
  private readonly tooLarge: (length: number, max: number) => Error;
  private readonly truncated: (held: number) => Error;
  /** Octets of an incomplete frame, carried into the next chunk. */
  private partial: Uint8Array | undefined;
  private partialLength = 0;
  /** Total length of the frame being completed in `partial`, or 0 while its header is incomplete. */
  private partialNeed = 0;

  constructor(options: HeaderLengthSplitterOptions) {
    this.headerLength = options.headerLength;
    this.bodyLength = options.bodyLength;
    this.maxBodyLength = options.maxBodyLength;
    this.tooLarge = options.tooLarge ?? ((length, max) => new FrameTooLargeError(length, max));
    this.truncated =
      options.truncated ?? ((held) => new FramingError(`input ended inside a frame (${held} octets held)`));
  }

  /** Octets held for an incomplete frame. */
  get buffered(): number {
    return this.partialLength;
  }

  /**
   * Feeds `chunk` from offset `from`; emits every frame it completes, in order. `emit` is called
   * with `thisArg` as `this` (as `Array.prototype.forEach` calls its callback), so that a method
   * shared by all instances can receive the frames, not a closure made for each.
   */
  push<This = undefined>(
    chunk: Uint8Array,
    emit: (this: This, frame: Uint8Array) => void,
    from = 0,
    thisArg?: This,
  ): void {
    let p = from;
    if (this.partialLength > 0) p = this.completePartial(chunk, p, emit, thisArg);
    const end = chunk.length;
    const h = this.headerLength;
    while (end - p >= h) {
      const total = this.frameLength(chunk, p);
      if (end - p < total) break;
      emit.call(thisArg as This, chunk.subarray(p, p + total));
      p += total;
    }
    if (p < end) this.hold(chunk, p, end);
  }

  /** At the end of input: throws (`truncated`) when a frame was left incomplete. */
  end(): void {
    if (this.partialLength > 0) throw this.truncated(this.partialLength);
  }

  private frameLength(b: Uint8Array, p: number): number {
    const length = this.bodyLength(b, p);
    if (length > this.maxBodyLength) throw this.tooLarge(length, this.maxBodyLength);
    return this.headerLength + length;
  }

  private completePartial<This>(
    chunk: Uint8Array,
    p: number,
    emit: (this: This, frame: Uint8Array) => void,
    thisArg: This | undefined,
  ): number {
    if (this.partialNeed === 0) {
      // Complete the header first, so the length is checked before any body is buffered.
      const take = Math.min(this.headerLength - this.partialLength, chunk.length - p);
      this.append(chunk, p, p + take);
      p += take;
      if (this.partialLength < this.headerLength) return p;
      this.partialNeed = this.frameLength(this.partial as Uint8Array, 0);
    }
    const take = Math.min(this.partialNeed - this.partialLength, chunk.length - p);
    this.append(chunk, p, p + take);
    p += take;
    if (this.partialLength === this.partialNeed) {
      const frame = (this.partial as Uint8Array).subarray(0, this.partialNeed);
      this.partial = undefined;
      this.partialLength = 0;
      this.partialNeed = 0;
      emit.call(thisArg as This, frame);
    }
    return p;
  }

  private hold(chunk: Uint8Array, from: number, to: number): void {
    this.partialNeed = to - from >= this.headerLength ? this.frameLength(chunk, from) : 0;
    this.append(chunk, from, to);
  }

  private append(chunk: Uint8Array, from: number, to: number): void {
    const n = to - from;
    if (n === 0) return;
    const need = Math.max(this.partialNeed, this.headerLength, this.partialLength + n);
    if (this.partial === undefined || this.partial.length < need) {
      const next = new Uint8Array(need);
      if (this.partial !== undefined) next.set(this.partial.subarray(0, this.partialLength));
      this.partial = next;
    }
    this.partial.set(chunk.subarray(from, to), this.partialLength);
    this.partialLength += n;
  }
}
