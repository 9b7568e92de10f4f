import { CONNECTION_PREFACE, FRAME_HEADER_LENGTH, MIN_MAX_FRAME_SIZE } from './frame-types.js';
import { H2ProtocolError } from './h2-protocol-error.js';

/** Options of `FrameSplitter`. */
export interface FrameSplitterOptions {
  /** Server role: the peer starts with the 24-octet client preface (RFC 9113 §3.4). Default false. */
  readonly expectPreface?: boolean;
  /** Our SETTINGS_MAX_FRAME_SIZE in force (RFC 9113 §4.2). Default 16 384; change it with `maxFrameSize`. */
  readonly maxFrameSize?: number;
}

/**
 * Cuts a byte stream into whole frames (RFC 9113 §4.1): each emitted `Uint8Array` is the 9-octet
 * header plus payload, a view of the received chunk when the frame lies inside it, copied only when
 * it straddles chunks. A length over SETTINGS_MAX_FRAME_SIZE is refused from the header alone, before
 * any payload is buffered (RFC 9113 §4.2: FRAME_SIZE_ERROR; we treat it as a connection error, which
 * the RFC requires for frames that carry a field block or concern the whole connection).
 *
 * @example
 * const s = new FrameSplitter({ expectPreface: true });
 * socket.on('data', (chunk) => s.push(chunk, (frame) => handle(parseFrame(frame))));
 */
export class FrameSplitter {
  /** May change at any time (when our SETTINGS with a new SETTINGS_MAX_FRAME_SIZE is ACKed). */
  maxFrameSize: number;
  private prefaceLeft: number;
  /** Octets of an incomplete frame (or preface), carried into the next chunk. */
  private partial: Uint8Array | undefined;
  private partialLength = 0;
  /** Total length of the frame being completed in `partial`, or 0 while its header is incomplete. */
  private partialNeed = 0;

  constructor(options: FrameSplitterOptions = {}) {
    this.maxFrameSize = options.maxFrameSize ?? MIN_MAX_FRAME_SIZE;
    this.prefaceLeft = options.expectPreface ? CONNECTION_PREFACE.length : 0;
  }

  /** Octets held for an incomplete frame. */
  get buffered(): number {
    return this.partialLength;
  }

  push(chunk: Uint8Array, emit: (frame: Uint8Array) => void): void {
    let p = 0;
    if (this.prefaceLeft > 0) p = this.matchPreface(chunk);
    if (this.partialLength > 0) p = this.completePartial(chunk, p, emit);
    const end = chunk.length;
    while (end - p >= FRAME_HEADER_LENGTH) {
      const total = this.frameLength(chunk, p);
      if (end - p < total) break;
      emit(chunk.subarray(p, p + total));
      p += total;
    }
    if (p < end) this.hold(chunk, p, end);
  }

  /** At the end of input: a partial frame left over is a truncated connection. */
  end(): void {
    if (this.partialLength > 0 || (this.prefaceLeft > 0 && this.prefaceLeft < CONNECTION_PREFACE.length)) {
      throw new H2ProtocolError(
        'PROTOCOL_ERROR',
        'connection',
        `connection ended inside a frame (${this.partialLength} octets held)`,
      );
    }
  }

  private frameLength(b: Uint8Array, p: number): number {
    const length = (b[p]! << 16) | (b[p + 1]! << 8) | b[p + 2]!;
    if (length > this.maxFrameSize) {
      throw new H2ProtocolError(
        'FRAME_SIZE_ERROR',
        'connection',
        `frame of ${length} octets exceeds SETTINGS_MAX_FRAME_SIZE ${this.maxFrameSize} (RFC 9113 §4.2)`,
      );
    }
    return FRAME_HEADER_LENGTH + length;
  }

  private matchPreface(chunk: Uint8Array): number {
    const start = CONNECTION_PREFACE.length - this.prefaceLeft;
    const n = Math.min(this.prefaceLeft, chunk.length);
    for (let i = 0; i < n; i++) {
      if (chunk[i] !== CONNECTION_PREFACE[start + i]) {
        // RFC 9113 §3.4: an invalid preface is a connection error PROTOCOL_ERROR.
        throw new H2ProtocolError(
          'PROTOCOL_ERROR',
          'connection',
          'invalid HTTP/2 connection preface (RFC 9113 §3.4)',
        );
      }
    }
    this.prefaceLeft -= n;
    return n;
  }

  private completePartial(chunk: Uint8Array, p: number, emit: (frame: Uint8Array) => void): number {
    if (this.partialNeed === 0) {
      // Complete the 9-octet header first, so the length is checked before buffering payload.
      const take = Math.min(FRAME_HEADER_LENGTH - this.partialLength, chunk.length - p);
      this.append(chunk, p, p + take);
      p += take;
      if (this.partialLength < FRAME_HEADER_LENGTH) return p;
      this.partialNeed = this.frameLength(this.partial!, 0);
    }
    const take = Math.min(this.partialNeed - this.partialLength, chunk.length - p);
    this.append(chunk, p, p + take);
    p += take;
    if (this.partialLength === this.partialNeed) {
      const frame = this.partial!.subarray(0, this.partialNeed);
      this.partial = undefined;
      this.partialLength = 0;
      this.partialNeed = 0;
      emit(frame);
    }
    return p;
  }

  private hold(chunk: Uint8Array, from: number, to: number): void {
    this.partialNeed = to - from >= FRAME_HEADER_LENGTH ? this.frameLength(chunk, from) : 0;
    this.append(chunk, from, to);
  }

  private append(chunk: Uint8Array, from: number, to: number): void {
    const n = to - from;
    if (n === 0) return;
    const need = Math.max(this.partialNeed, FRAME_HEADER_LENGTH, this.partialLength + n);
    if (this.partial === undefined || this.partial.length < need) {
      const next = new Uint8Array(need);
      if (this.partial !== undefined) next.set(this.partial.subarray(0, this.partialLength));
      this.partial = next;
    }
    this.partial.set(chunk.subarray(from, to), this.partialLength);
    this.partialLength += n;
  }
}
