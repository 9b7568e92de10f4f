import type { OperatorFunction } from 'rxjs';
import { FrameTooLargeError, FramingError } from './framing-errors.js';
import { HeaderLengthSplitter } from './header-length-splitter.js';
import { tube } from './tube.js';

/**
 * The engine of the splitters whose frame end is found by scanning (a delimiter, a netstring's
 * decimal length): holds at most one incomplete frame (bounded by `max`) and asks
 * `frameEnd(buf, start, end)` where the frame starting at `start` ends — an offset, or -1 when
 * more input is needed. Frames inside one chunk are emitted as views of it. A frame straddling
 * chunks is completed with only the octets it lacks when the framing can tell where it ends in the
 * next chunk (`heldEnd`: a delimiter is found there alone); otherwise held octets and the whole
 * next chunk are joined. Framings with a length in a fixed header use `HeaderLengthSplitter`.
 */
class ScanningSplitter {
  private held: Uint8Array | undefined;

  constructor(
    private readonly frameEnd: (buf: Uint8Array, start: number, end: number) => number,
    private readonly bodyOf: (frame: Uint8Array) => Uint8Array,
    private readonly max: number,
    /** Where, in `chunk`, the frame begun by `held` ends (the offset after it), or -1. */
    private readonly heldEnd?: (held: Uint8Array, chunk: Uint8Array) => number,
  ) {}

  push(chunk: Uint8Array, emit: (frame: Uint8Array) => void): void {
    let buf = chunk;
    let p = 0;
    const held = this.held;
    if (held !== undefined) {
      this.held = undefined;
      const e = this.heldEnd?.(held, chunk) ?? -1;
      if (this.heldEnd !== undefined && e >= 0) {
        // Copy only the missing prefix; the rest of the chunk is scanned in place (views).
        const frame = concat(held, chunk.subarray(0, e));
        const end = this.frameEnd(frame, 0, frame.length); // the framing's own checks (length)
        emit(this.bodyOf(frame.subarray(0, end)));
        p = e;
      } else {
        buf = concat(held, chunk);
      }
    }
    for (;;) {
      const end = this.frameEnd(buf, p, buf.length);
      if (end < 0) break;
      emit(this.bodyOf(buf.subarray(p, end)));
      p = end;
    }
    if (p < buf.length) {
      if (buf.length - p > this.max) throw new FrameTooLargeError(buf.length - p, this.max);
      this.held = buf.slice(p);
    }
  }

  end(): void {
    if (this.held !== undefined)
      throw new FramingError(`input ended inside a frame (${this.held.length} octets held)`);
  }

  operator(): OperatorFunction<Uint8Array, Uint8Array> {
    return tube<Uint8Array, Uint8Array>(
      (c, emit) => this.push(c, emit),
      () => this.end(),
    );
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Splits on a delimiter octet (default `\n`); emits each frame without its delimiter. A frame
 * longer than `maxLength` without a delimiter fails with `FrameTooLargeError`.
 *
 * @example
 * bytes$.pipe(splitDelimited({ maxLength: 4096 })) // lines
 */
export function splitDelimited(options: {
  delimiter?: number;
  maxLength: number;
}): OperatorFunction<Uint8Array, Uint8Array> {
  const d = options.delimiter ?? 0x0a;
  return new ScanningSplitter(
    (buf, start, end) => {
      const i = buf.indexOf(d, start);
      if (i < 0 || i >= end) return -1;
      if (i - start > options.maxLength) throw new FrameTooLargeError(i - start, options.maxLength);
      return i + 1;
    },
    (f) => f.subarray(0, f.length - 1),
    options.maxLength + 1,
    (_held, chunk) => {
      const i = chunk.indexOf(d);
      return i < 0 ? -1 : i + 1;
    },
  ).operator();
}

/** Big-endian unsigned length of 1, 2 or 4 octets at `buf[p]`. */
function readLength(buf: Uint8Array, p: number, size: 1 | 2 | 4): number {
  if (size === 1) return buf[p]!;
  if (size === 2) return (buf[p]! << 8) | buf[p + 1]!;
  return ((buf[p]! << 24) >>> 0) + ((buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!);
}

/**
 * A fixed header carrying the body length (HTTP/2's 9-octet frame header, gRPC's 5-octet message
 * prefix): `bodyLength(buf, offset)` reads it. The length is checked against `maxBodyLength` from
 * the header alone, before the body is buffered. Emits header + body.
 *
 * @example
 * bytes$.pipe(splitByHeaderLength({ headerLength: 5, bodyLength: (b, o) => new DataView(b.buffer, b.byteOffset).getUint32(o + 1), maxBodyLength: 4 << 20 }))
 */
export function splitByHeaderLength(options: {
  headerLength: number;
  bodyLength: (buf: Uint8Array, offset: number) => number;
  maxBodyLength: number;
}): OperatorFunction<Uint8Array, Uint8Array> {
  const splitter = new HeaderLengthSplitter(options);
  return tube<Uint8Array, Uint8Array>(
    (c, emit) => splitter.push(c, emit),
    () => splitter.end(),
  );
}

/**
 * Length-prefixed frames (1, 2 or 4-octet big-endian length); emits the bodies.
 *
 * @example
 * bytes$.pipe(splitLengthPrefixed({ prefixLength: 4, maxLength: 65_536 }))
 */
export function splitLengthPrefixed(options: {
  prefixLength: 1 | 2 | 4;
  maxLength: number;
}): OperatorFunction<Uint8Array, Uint8Array> {
  const size = options.prefixLength;
  const splitter = new HeaderLengthSplitter({
    headerLength: size,
    bodyLength: (buf, offset) => readLength(buf, offset, size),
    maxBodyLength: options.maxLength,
  });
  return tube<Uint8Array, Uint8Array>(
    (c, emit) => splitter.push(c, (frame) => emit(frame.subarray(size))),
    () => splitter.end(),
  );
}

/**
 * Prefixes a body with its big-endian length (`length` defaults to the body's; `prefixLength()`
 * passes an empty body and the length of the body it sends separately).
 */
export function encodeLengthPrefixed(
  body: Uint8Array,
  prefixBytes: 1 | 2 | 4,
  length = body.length,
): Uint8Array {
  if (length >= 2 ** (8 * prefixBytes)) throw new FrameTooLargeError(length, 2 ** (8 * prefixBytes) - 1);
  const out = new Uint8Array(prefixBytes + body.length);
  for (let i = 0; i < prefixBytes; i++) out[i] = Math.floor(length / 2 ** (8 * (prefixBytes - 1 - i))) & 0xff;
  out.set(body, prefixBytes);
  return out;
}

/**
 * Netstrings (`<decimal length>:<body>,`, D. J. Bernstein); emits the bodies.
 *
 * @example
 * bytes$.pipe(splitNetstrings({ maxLength: 1 << 20 }))
 */
export function splitNetstrings(options: { maxLength: number }): OperatorFunction<Uint8Array, Uint8Array> {
  const digitsMax = String(options.maxLength).length;
  return new ScanningSplitter(
    (buf, start, end) => {
      let n = 0;
      let i = start;
      for (; i < end && buf[i] !== 0x3a; i++) {
        const c = buf[i]! - 0x30;
        if (c < 0 || c > 9 || i - start >= digitsMax) throw new FramingError('malformed netstring length');
        n = n * 10 + c;
      }
      if (i >= end) return -1;
      if (i === start) throw new FramingError('empty netstring length');
      if (n > options.maxLength) throw new FrameTooLargeError(n, options.maxLength);
      const stop = i + 1 + n;
      if (stop >= end) return -1;
      if (buf[stop] !== 0x2c) throw new FramingError('netstring without its trailing comma');
      return stop + 1;
    },
    (f) => {
      const colon = f.indexOf(0x3a);
      return f.subarray(colon + 1, f.length - 1);
    },
    digitsMax + 2 + options.maxLength,
  ).operator();
}

/** Encodes one netstring. */
export function encodeNetstring(body: Uint8Array): Uint8Array {
  const head = new TextEncoder().encode(`${body.length}:`);
  const out = new Uint8Array(head.length + body.length + 1);
  out.set(head);
  out.set(body, head.length);
  out[out.length - 1] = 0x2c;
  return out;
}

/**
 * Re-frames bodies with a big-endian length prefix without copying them: emits the prefix and
 * then the body itself, two chunks that a `socketDrain` corks into one write.
 *
 * @example
 * bodies$.pipe(prefixLength(4), socketDrain(socket));
 */
export function prefixLength(prefixBytes: 1 | 2 | 4): OperatorFunction<Uint8Array, Uint8Array> {
  return tube<Uint8Array, Uint8Array>((body, emit) => {
    emit(encodeLengthPrefixed(EMPTY_PREFIX_BODY, prefixBytes, body.length));
    emit(body);
  });
}
const EMPTY_PREFIX_BODY = new Uint8Array(0);
