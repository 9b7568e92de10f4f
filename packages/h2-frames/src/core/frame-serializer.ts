import { assertNever } from './assert-never.js';
import { errorCodeNumber } from './error-codes.js';
import {
  type AssembledFrame,
  type DataFrame,
  type EncodedFieldBlock,
  FLAGS,
  FRAME_HEADER_LENGTH,
  FRAME_TYPE_CODES,
  type Frame,
  MIN_MAX_FRAME_SIZE,
  type PrioritySpec,
} from './frame-types.js';

/**
 * Frame serialization, RFC 9113 §4.1 and §6: any number of frames into ONE buffer (`encodeFrames`:
 * payload views are copied exactly once, into the output), or into the few chunks of one vectored
 * write (`encodeFrameChunks`: frame headers and small frames packed in one buffer, large DATA
 * payloads by reference). A `EncodedFieldBlock` is split into HEADERS (or PUSH_PROMISE) and
 * CONTINUATION frames no larger than the peer's SETTINGS_MAX_FRAME_SIZE (§4.3, §6.10).
 */

const utf8 = new TextEncoder();

/**
 * @example
 * const bytes = encodeFrames([{ type: 'PING', streamId: 0, ack: true, opaqueData: new Uint8Array(8) }]);
 */
export function encodeFrames(
  frames: readonly (Frame | EncodedFieldBlock)[],
  maxFrameSize = MIN_MAX_FRAME_SIZE,
): Uint8Array {
  let size = 0;
  for (const f of frames) size += encodedLength(f, maxFrameSize);
  const out = new Uint8Array(size);
  let p = 0;
  for (const f of frames) p = writeFrame(f, out, p, maxFrameSize);
  return out;
}

/**
 * DATA payloads from this many octets on are not copied by `encodeFrameChunks`: below it, an
 * iovec and a write-queue entry cost more than copying the octets.
 */
export const REFERENCED_PAYLOAD_MIN = 2048;

/**
 * The frames as chunks to be written in order, together (`socket.cork()` … `uncork()`, or
 * `writev`): everything but large DATA payloads is packed into one buffer, and each DATA payload of
 * at least `referenceFrom` octets is a chunk of its own, the caller's `Uint8Array` itself. So a
 * 16 KiB DATA frame costs its 9-octet header and no copy of the payload (bulk download profile:
 * copying every payload into a fresh buffer was 35 % of the CPU). The caller must not change a
 * payload until it is written (as with `socket.write`).
 *
 * @example
 * socket.cork();
 * for (const chunk of encodeFrameChunks(frames, 16_384)) socket.write(chunk);
 * socket.uncork();
 */
export function encodeFrameChunks(
  frames: readonly (Frame | EncodedFieldBlock)[],
  maxFrameSize = MIN_MAX_FRAME_SIZE,
  referenceFrom = REFERENCED_PAYLOAD_MIN,
): Uint8Array[] {
  let size = 0;
  for (const f of frames) size += encodedLength(f, maxFrameSize) - referencedLength(f, referenceFrom);
  const out = new Uint8Array(size);
  const chunks: Uint8Array[] = [];
  let start = 0;
  let p = 0;
  for (const f of frames) {
    if (referencedLength(f, referenceFrom) === 0) {
      p = writeFrame(f, out, p, maxFrameSize);
      continue;
    }
    const d = f as DataFrame;
    p = writeDataPrefix(d, out, p);
    chunks.push(out.subarray(start, p), d.data);
    start = p;
    p = writePadding(out, p, d.padLength);
  }
  if (p > start) chunks.push(out.subarray(start, p));
  return chunks;
}

/** Payload octets of `f` that `encodeFrameChunks` writes by reference (0: `f` is copied). */
function referencedLength(f: Frame | EncodedFieldBlock, referenceFrom: number): number {
  return f.type === 'DATA' && f.data.length >= referenceFrom ? f.data.length : 0;
}

/** Octets `writeFrame` will produce for `f`. */
export function encodedLength(f: Frame | EncodedFieldBlock, maxFrameSize = MIN_MAX_FRAME_SIZE): number {
  const H = FRAME_HEADER_LENGTH;
  switch (f.type) {
    case 'DATA':
      return H + f.data.length + padOverhead(f.padLength);
    case 'HEADERS':
      return H + f.fragment.length + padOverhead(f.padLength) + (f.priority ? 5 : 0);
    case 'PRIORITY':
      return H + 5;
    case 'RST_STREAM':
      return H + 4;
    case 'SETTINGS':
      return H + 6 * f.settings.length;
    case 'PUSH_PROMISE':
      return H + 4 + f.fragment.length + padOverhead(f.padLength);
    case 'PING':
      return H + 8;
    case 'GOAWAY':
      return H + 8 + f.debugData.length;
    case 'WINDOW_UPDATE':
      return H + 4;
    case 'CONTINUATION':
      return H + f.fragment.length;
    case 'PRIORITY_UPDATE':
      return H + 4 + utf8.encode(f.priorityFieldValue).length;
    case 'UNKNOWN':
      return H + f.payload.length;
    case 'HEADER_BLOCK': {
      const first = Math.max(0, maxFrameSize - firstFrameExtra(f));
      const rest = Math.max(0, f.block.length - first);
      const continuations = Math.ceil(rest / maxFrameSize);
      return H + firstFrameExtra(f) + Math.min(first, f.block.length) + continuations * H + rest;
    }
    default:
      return assertNever(f);
  }
}

function padOverhead(padLength: number | undefined): number {
  return padLength === undefined ? 0 : padLength + 1;
}

function firstFrameExtra(b: EncodedFieldBlock): number {
  return b.kind === 'PUSH_PROMISE' ? 4 : b.priority ? 5 : 0;
}

function writeHeader(
  out: Uint8Array,
  p: number,
  length: number,
  type: number,
  flags: number,
  streamId: number,
): number {
  out[p] = length >>> 16;
  out[p + 1] = (length >>> 8) & 0xff;
  out[p + 2] = length & 0xff;
  out[p + 3] = type;
  out[p + 4] = flags;
  return writeU32(out, p + 5, streamId & 0x7fff_ffff);
}

function writeU32(out: Uint8Array, p: number, v: number): number {
  out[p] = v >>> 24;
  out[p + 1] = (v >>> 16) & 0xff;
  out[p + 2] = (v >>> 8) & 0xff;
  out[p + 3] = v & 0xff;
  return p + 4;
}

function writePriority(out: Uint8Array, p: number, pr: PrioritySpec): number {
  writeU32(out, p, (pr.dependency & 0x7fff_ffff) | (pr.exclusive ? 0x8000_0000 : 0));
  out[p + 4] = (pr.weight - 1) & 0xff;
  return p + 5;
}

/**
 * Padding (RFC 9113 §6.1): the Pad Length octet before the body, then that many zero octets
 * after it. Two plain calls around the body's writes, so no closure is made per frame.
 */
function writePadLength(out: Uint8Array, p: number, padLength: number | undefined): number {
  if (padLength === undefined) return p;
  out[p] = padLength;
  return p + 1;
}

function writePadding(out: Uint8Array, p: number, padLength: number | undefined): number {
  if (padLength === undefined) return p;
  out.fill(0, p, p + padLength);
  return p + padLength;
}

/** Writes one frame (or a header block's frames) at `out[p]`; returns the offset after it. */
export function writeFrame(
  f: Frame | EncodedFieldBlock,
  out: Uint8Array,
  p: number,
  maxFrameSize = MIN_MAX_FRAME_SIZE,
): number {
  const len = encodedLength(f, maxFrameSize) - FRAME_HEADER_LENGTH;
  switch (f.type) {
    case 'DATA':
      p = writeDataPrefix(f, out, p);
      out.set(f.data, p);
      return writePadding(out, p + f.data.length, f.padLength);
    case 'HEADERS': {
      const flags =
        (f.endStream ? FLAGS.END_STREAM : 0) |
        (f.endHeaders ? FLAGS.END_HEADERS : 0) |
        (f.padLength !== undefined ? FLAGS.PADDED : 0) |
        (f.priority ? FLAGS.PRIORITY : 0);
      p = writeHeader(out, p, len, FRAME_TYPE_CODES.HEADERS, flags, f.streamId);
      p = writePadLength(out, p, f.padLength);
      if (f.priority) p = writePriority(out, p, f.priority);
      out.set(f.fragment, p);
      return writePadding(out, p + f.fragment.length, f.padLength);
    }
    case 'PRIORITY':
      p = writeHeader(out, p, 5, FRAME_TYPE_CODES.PRIORITY, 0, f.streamId);
      return writePriority(out, p, f.priority);
    case 'RST_STREAM':
      p = writeHeader(out, p, 4, FRAME_TYPE_CODES.RST_STREAM, 0, f.streamId);
      return writeU32(out, p, errorCodeNumber(f.errorCode));
    case 'SETTINGS':
      p = writeHeader(out, p, len, FRAME_TYPE_CODES.SETTINGS, f.ack ? FLAGS.ACK : 0, 0);
      for (const s of f.settings) {
        out[p] = s.id >>> 8;
        out[p + 1] = s.id & 0xff;
        p = writeU32(out, p + 2, s.value);
      }
      return p;
    case 'PUSH_PROMISE': {
      const flags = (f.endHeaders ? FLAGS.END_HEADERS : 0) | (f.padLength !== undefined ? FLAGS.PADDED : 0);
      p = writeHeader(out, p, len, FRAME_TYPE_CODES.PUSH_PROMISE, flags, f.streamId);
      p = writeU32(out, writePadLength(out, p, f.padLength), f.promisedStreamId & 0x7fff_ffff);
      out.set(f.fragment, p);
      return writePadding(out, p + f.fragment.length, f.padLength);
    }
    case 'PING':
      p = writeHeader(out, p, 8, FRAME_TYPE_CODES.PING, f.ack ? FLAGS.ACK : 0, 0);
      out.set(f.opaqueData.subarray(0, 8), p);
      return p + 8;
    case 'GOAWAY':
      p = writeHeader(out, p, len, FRAME_TYPE_CODES.GOAWAY, 0, 0);
      p = writeU32(out, p, f.lastStreamId & 0x7fff_ffff);
      p = writeU32(out, p, errorCodeNumber(f.errorCode));
      out.set(f.debugData, p);
      return p + f.debugData.length;
    case 'WINDOW_UPDATE':
      p = writeHeader(out, p, 4, FRAME_TYPE_CODES.WINDOW_UPDATE, 0, f.streamId);
      return writeU32(out, p, f.windowSizeIncrement & 0x7fff_ffff);
    case 'CONTINUATION':
      p = writeHeader(
        out,
        p,
        len,
        FRAME_TYPE_CODES.CONTINUATION,
        f.endHeaders ? FLAGS.END_HEADERS : 0,
        f.streamId,
      );
      out.set(f.fragment, p);
      return p + f.fragment.length;
    case 'PRIORITY_UPDATE': {
      const value = utf8.encode(f.priorityFieldValue);
      p = writeHeader(out, p, 4 + value.length, FRAME_TYPE_CODES.PRIORITY_UPDATE, 0, 0);
      p = writeU32(out, p, f.prioritizedStreamId & 0x7fff_ffff);
      out.set(value, p);
      return p + value.length;
    }
    case 'UNKNOWN':
      p = writeHeader(out, p, f.payload.length, f.typeCode, f.flags, f.streamId);
      out.set(f.payload, p);
      return p + f.payload.length;
    case 'HEADER_BLOCK':
      return writeHeaderBlock(f, out, p, maxFrameSize);
    default:
      return assertNever(f);
  }
}

/** A DATA frame's header and Pad Length octet (RFC 9113 §6.1): what comes before its payload. */
function writeDataPrefix(f: DataFrame, out: Uint8Array, p: number): number {
  const flags = (f.endStream ? FLAGS.END_STREAM : 0) | (f.padLength !== undefined ? FLAGS.PADDED : 0);
  p = writeHeader(out, p, f.data.length + padOverhead(f.padLength), FRAME_TYPE_CODES.DATA, flags, f.streamId);
  return writePadLength(out, p, f.padLength);
}

/** RFC 9113 §4.3: a field block is sent as HEADERS/PUSH_PROMISE + CONTINUATION, nothing in between. */
function writeHeaderBlock(b: EncodedFieldBlock, out: Uint8Array, p: number, maxFrameSize: number): number {
  const extra = firstFrameExtra(b);
  const firstLen = Math.min(b.block.length, maxFrameSize - extra);
  const only = firstLen === b.block.length;
  if (b.kind === 'HEADERS') {
    const flags =
      (b.endStream ? FLAGS.END_STREAM : 0) |
      (only ? FLAGS.END_HEADERS : 0) |
      (b.priority ? FLAGS.PRIORITY : 0);
    p = writeHeader(out, p, extra + firstLen, FRAME_TYPE_CODES.HEADERS, flags, b.streamId);
    if (b.priority) p = writePriority(out, p, b.priority);
  } else {
    p = writeHeader(
      out,
      p,
      extra + firstLen,
      FRAME_TYPE_CODES.PUSH_PROMISE,
      only ? FLAGS.END_HEADERS : 0,
      b.streamId,
    );
    p = writeU32(out, p, b.promisedStreamId & 0x7fff_ffff);
  }
  out.set(b.block.subarray(0, firstLen), p);
  p += firstLen;
  for (let at = firstLen; at < b.block.length; at += maxFrameSize) {
    const n = Math.min(maxFrameSize, b.block.length - at);
    const last = at + n === b.block.length;
    p = writeHeader(out, p, n, FRAME_TYPE_CODES.CONTINUATION, last ? FLAGS.END_HEADERS : 0, b.streamId);
    out.set(b.block.subarray(at, at + n), p);
    p += n;
  }
  return p;
}

/** Type guard used by pipelines that carry both stages' frames. */
export function isEncodedFieldBlock(f: AssembledFrame | Frame): f is EncodedFieldBlock {
  return f.type === 'HEADER_BLOCK';
}
