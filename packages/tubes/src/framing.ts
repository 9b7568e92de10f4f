import type { OperatorFunction } from 'rxjs';
import { tube } from './tube.js';

/** A frame longer than the configured maximum: refused before it is buffered further. */
export class FrameTooLargeError extends Error {
  override readonly name = 'FrameTooLargeError';
  constructor(
    readonly length: number,
    readonly max: number,
  ) {
    super(`frame of ${length} octets exceeds the maximum of ${max}`);
  }
}

/** Malformed framing (a bad netstring length, input ending inside a frame). */
export class FramingError extends Error {
  override readonly name = 'FramingError';
}

/**
 * The shared engine of the splitters: holds at most one incomplete frame (bounded by `max`) and
 * asks `frameEnd(buf, start, end)` where the frame starting at `start` ends — an offset, or -1 when
 * more input is needed. Frames inside one chunk are emitted as views of it. When the framing can
 * tell a frame's total length from its header (`frameLength`), a frame straddling chunks is
 * completed with exactly the octets it lacks (each octet copied once); otherwise held octets and
 * the next chunk are joined.
 */
class Splitter {
  private held: Uint8Array | undefined;
  private filled = 0;

  constructor(
    private readonly frameEnd: (buf: Uint8Array, start: number, end: number) => number,
    private readonly bodyOf: (frame: Uint8Array) => Uint8Array,
    private readonly max: number,
    private readonly frameLength?: (buf: Uint8Array, start: number, end: number) => number,
  ) {}

  push(chunk: Uint8Array, emit: (frame: Uint8Array) => void): void {
    let buf = chunk;
    let p = 0;
    if (this.held !== undefined) {
      if (this.frameLength !== undefined) {
        p = this.completeHeld(chunk, emit);
        if (this.held !== undefined) return;
      } else {
        buf = new Uint8Array(this.filled + chunk.length);
        buf.set(this.held.subarray(0, this.filled));
        buf.set(chunk, this.filled);
        this.held = undefined;
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
      this.filled = this.held.length;
    }
  }

  /** Feeds the held frame from `chunk`; returns how much of `chunk` it used. */
  private completeHeld(chunk: Uint8Array, emit: (frame: Uint8Array) => void): number {
    let used = 0;
    let total = this.frameLength!(this.held!, 0, this.filled);
    // The header is incomplete: take octets one by one until its length is known (headers are short).
    while (total < 0 && used < chunk.length) {
      this.append(chunk.subarray(used, used + 1));
      used++;
      total = this.frameLength!(this.held!, 0, this.filled);
    }
    if (total < 0) return used;
    const take = Math.min(total - this.filled, chunk.length - used);
    this.append(chunk.subarray(used, used + take), total);
    used += take;
    if (this.filled === total) {
      const frame = this.held!.subarray(0, total);
      this.held = undefined;
      this.filled = 0;
      emit(this.bodyOf(frame));
    }
    return used;
  }

  private append(bytes: Uint8Array, capacity = this.filled + bytes.length): void {
    const held = this.held!;
    if (held.length < this.filled + bytes.length) {
      const grown = new Uint8Array(Math.max(capacity, this.filled + bytes.length));
      grown.set(held.subarray(0, this.filled));
      this.held = grown;
    }
    this.held!.set(bytes, this.filled);
    this.filled += bytes.length;
  }

  end(): void {
    if (this.held !== undefined)
      throw new FramingError(`input ended inside a frame (${this.filled} octets held)`);
  }

  operator(): OperatorFunction<Uint8Array, Uint8Array> {
    return tube<Uint8Array, Uint8Array>(
      (c, emit) => this.push(c, emit),
      () => this.end(),
    );
  }
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
  return new Splitter(
    (buf, start, end) => {
      const i = buf.indexOf(d, start);
      if (i < 0 || i >= end) return -1;
      if (i - start > options.maxLength) throw new FrameTooLargeError(i - start, options.maxLength);
      return i + 1;
    },
    (f) => f.subarray(0, f.length - 1),
    options.maxLength + 1,
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
  const { headerLength, bodyLength, maxBodyLength } = options;
  return new Splitter(
    (buf, start, end) => {
      if (end - start < headerLength) return -1;
      const n = bodyLength(buf, start);
      if (n > maxBodyLength) throw new FrameTooLargeError(n, maxBodyLength);
      return end - start < headerLength + n ? -1 : start + headerLength + n;
    },
    (f) => f,
    headerLength + maxBodyLength,
    (buf, start, end) => (end - start < headerLength ? -1 : headerLength + bodyLength(buf, start)),
  ).operator();
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
  return new Splitter(
    (buf, start, end) => {
      if (end - start < size) return -1;
      const n = readLength(buf, start, size);
      if (n > options.maxLength) throw new FrameTooLargeError(n, options.maxLength);
      return end - start < size + n ? -1 : start + size + n;
    },
    (f) => f.subarray(size),
    size + options.maxLength,
    (buf, start, end) => (end - start < size ? -1 : size + readLength(buf, start, size)),
  ).operator();
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
  return new Splitter(
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
