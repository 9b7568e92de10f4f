import { HeaderLengthSplitter } from '@h2tubes/tubes/core';
import { CONNECTION_PREFACE, FRAME_HEADER_LENGTH, MIN_MAX_FRAME_SIZE } from './frame-types.js';
import { H2ProtocolError } from './h2-protocol-error.js';

/** Options of `FrameSplitter`. */
export interface FrameSplitterOptions {
  /** Server role: the peer starts with the 24-octet client preface (RFC 9113 §3.4). Default false. */
  readonly expectPreface?: boolean;
  /** Our SETTINGS_MAX_FRAME_SIZE in force (RFC 9113 §4.2). Default 16 384; change it with `maxFrameSize`. */
  readonly maxFrameSize?: number;
}

// Module functions, not closures per splitter: a server holds one splitter per idle connection.
const frameLength = (b: Uint8Array, p: number): number => (b[p]! << 16) | (b[p + 1]! << 8) | b[p + 2]!;
const frameTooLarge = (length: number, max: number): Error =>
  new H2ProtocolError(
    'FRAME_SIZE_ERROR',
    'connection',
    `frame of ${length} octets exceeds SETTINGS_MAX_FRAME_SIZE ${max} (RFC 9113 §4.2)`,
  );
const frameTruncated = (held: number): Error =>
  new H2ProtocolError(
    'PROTOCOL_ERROR',
    'connection',
    `connection ended inside a frame (${held} octets held)`,
  );

/**
 * Cuts a byte stream into whole frames (RFC 9113 §4.1): each emitted `Uint8Array` is the 9-octet
 * header plus payload, a view of the received chunk when the frame lies inside it, copied only when
 * it straddles chunks. A length over SETTINGS_MAX_FRAME_SIZE is refused from the header alone, before
 * any payload is buffered (RFC 9113 §4.2: FRAME_SIZE_ERROR; we treat it as a connection error, which
 * the RFC requires for frames that carry a field block or concern the whole connection).
 *
 * The splitting itself is the generic `HeaderLengthSplitter` from @h2tubes/tubes (a fixed header
 * carrying the body length, the same engine as gRPC's message prefix); this class adds the client
 * preface check and the HTTP/2 errors.
 *
 * @example
 * const s = new FrameSplitter({ expectPreface: true });
 * socket.on('data', (chunk) => s.push(chunk, (frame) => handle(parseFrame(frame))));
 */
export class FrameSplitter {
  private prefaceLeft: number;
  private readonly frames: HeaderLengthSplitter;

  constructor(options: FrameSplitterOptions = {}) {
    this.prefaceLeft = options.expectPreface ? CONNECTION_PREFACE.length : 0;
    this.frames = new HeaderLengthSplitter({
      headerLength: FRAME_HEADER_LENGTH,
      bodyLength: frameLength,
      maxBodyLength: options.maxFrameSize ?? MIN_MAX_FRAME_SIZE,
      tooLarge: frameTooLarge,
      truncated: frameTruncated,
    });
  }

  /** Our SETTINGS_MAX_FRAME_SIZE in force; may change at any time (when our new SETTINGS is ACKed). */
  get maxFrameSize(): number {
    return this.frames.maxBodyLength;
  }

  set maxFrameSize(size: number) {
    this.frames.maxBodyLength = size;
  }

  /** Octets held for an incomplete frame. */
  get buffered(): number {
    return this.frames.buffered;
  }

  /** Emits each whole frame `chunk` completes, in order; `emit` is called with `thisArg` as `this`. */
  push<This = undefined>(
    chunk: Uint8Array,
    emit: (this: This, frame: Uint8Array) => void,
    thisArg?: This,
  ): void {
    const p = this.prefaceLeft > 0 ? this.matchPreface(chunk) : 0;
    if (p < chunk.length) this.frames.push(chunk, emit, p, thisArg);
  }

  /** At the end of input: a partial frame (or preface) left over is a truncated connection. */
  end(): void {
    if (this.prefaceLeft > 0 && this.prefaceLeft < CONNECTION_PREFACE.length) {
      throw new H2ProtocolError('PROTOCOL_ERROR', 'connection', 'connection ended inside the preface');
    }
    this.frames.end();
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
}
