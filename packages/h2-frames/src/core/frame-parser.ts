import { errorCodeFromNumber } from './error-codes.js';
import {
  FLAGS,
  FRAME_TYPE_CODES,
  type Frame,
  MAX_MAX_FRAME_SIZE,
  MAX_WINDOW_SIZE,
  MIN_MAX_FRAME_SIZE,
  type PrioritySpec,
  SETTINGS_IDS,
  type SettingsEntry,
} from './frame-types.js';
import { H2ProtocolError } from './h2-protocol-error.js';

/**
 * Frame payload decoding, RFC 9113 §6, one function per frame type. Input: a whole frame (the
 * 9-octet header and its payload, as the splitter emits it); output: a typed `Frame` whose
 * payload fields are views of the input. Structural faults throw `H2ProtocolError` with the code
 * and scope the RFC gives; rules that depend on stream state belong to the connection (h2-flow).
 */

const utf8 = new TextDecoder();

/**
 * Parses one frame: `buf[offset, offset + 9 + length)` where the header at `offset` gives the length.
 *
 * @example
 * const f = parseFrame(bytes, 0); // { type: 'PING', streamId: 0, ack: false, opaqueData: … }
 */
export function parseFrame(buf: Uint8Array, offset = 0): Frame {
  const length = (buf[offset]! << 16) | (buf[offset + 1]! << 8) | buf[offset + 2]!;
  const type = buf[offset + 3]!;
  const flags = buf[offset + 4]!;
  // RFC 9113 §4.1: the reserved bit is ignored on receipt.
  const streamId = readU31(buf, offset + 5);
  const p = buf.subarray(offset + 9, offset + 9 + length);
  switch (type) {
    case FRAME_TYPE_CODES.DATA:
      return decodeData(flags, streamId, p);
    case FRAME_TYPE_CODES.HEADERS:
      return decodeHeaders(flags, streamId, p);
    case FRAME_TYPE_CODES.PRIORITY:
      return decodePriority(streamId, p);
    case FRAME_TYPE_CODES.RST_STREAM:
      return decodeRstStream(streamId, p);
    case FRAME_TYPE_CODES.SETTINGS:
      return decodeSettings(flags, streamId, p);
    case FRAME_TYPE_CODES.PUSH_PROMISE:
      return decodePushPromise(flags, streamId, p);
    case FRAME_TYPE_CODES.PING:
      return decodePing(flags, streamId, p);
    case FRAME_TYPE_CODES.GOAWAY:
      return decodeGoaway(streamId, p);
    case FRAME_TYPE_CODES.WINDOW_UPDATE:
      return decodeWindowUpdate(streamId, p);
    case FRAME_TYPE_CODES.CONTINUATION:
      return decodeContinuation(flags, streamId, p);
    case FRAME_TYPE_CODES.PRIORITY_UPDATE:
      return decodePriorityUpdate(streamId, p);
    default:
      // RFC 9113 §4.1, §5.5: unknown types are ignored by the protocol, kept for pipelines.
      return { type: 'UNKNOWN', typeCode: type, flags, streamId, payload: p };
  }
}

function readU31(b: Uint8Array, i: number): number {
  return ((b[i]! & 0x7f) << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!;
}
function readU32(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) >>> 0) + ((b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!);
}

function connError(
  code: 'PROTOCOL_ERROR' | 'FRAME_SIZE_ERROR' | 'FLOW_CONTROL_ERROR',
  message: string,
  streamId = 0,
) {
  return new H2ProtocolError(code, 'connection', message, { streamId });
}

function requireStream(streamId: number, what: string, section: string): void {
  if (streamId === 0) throw connError('PROTOCOL_ERROR', `${what} on stream 0 (RFC 9113 ${section})`);
}
function requireConnection(streamId: number, what: string, section: string): void {
  if (streamId !== 0)
    throw connError('PROTOCOL_ERROR', `${what} on stream ${streamId} (RFC 9113 ${section})`);
}

/**
 * RFC 9113 §6.1, §6.2: strips the pad-length octet and the padding. Returns the pad length (or
 * undefined) and leaves `padStart`/`padEnd` in the module state to avoid an allocation.
 */
let bodyStart = 0;
let bodyEnd = 0;
function unpad(flags: number, p: Uint8Array, what: string, streamId: number): number | undefined {
  bodyStart = 0;
  bodyEnd = p.length;
  if ((flags & FLAGS.PADDED) === 0) return undefined;
  if (p.length < 1)
    throw connError('FRAME_SIZE_ERROR', `${what} PADDED without a pad-length octet`, streamId);
  const pad = p[0]!;
  // "padding that exceeds the size remaining for the frame payload … MUST be treated as a connection error PROTOCOL_ERROR"
  if (pad >= p.length)
    throw connError('PROTOCOL_ERROR', `${what} padding ${pad} ≥ payload length ${p.length}`, streamId);
  bodyStart = 1;
  bodyEnd = p.length - pad;
  return pad;
}

function readPriority(p: Uint8Array, i: number): PrioritySpec {
  return { exclusive: (p[i]! & 0x80) !== 0, dependency: readU31(p, i), weight: p[i + 4]! + 1 };
}

function decodeData(flags: number, streamId: number, p: Uint8Array): Frame {
  requireStream(streamId, 'DATA', '§6.1');
  const padLength = unpad(flags, p, 'DATA', streamId);
  return {
    type: 'DATA',
    streamId,
    endStream: (flags & FLAGS.END_STREAM) !== 0,
    data: padLength === undefined ? p : p.subarray(bodyStart, bodyEnd),
    padLength,
  };
}

function decodeHeaders(flags: number, streamId: number, p: Uint8Array): Frame {
  requireStream(streamId, 'HEADERS', '§6.2');
  const padLength = unpad(flags, p, 'HEADERS', streamId);
  let start = bodyStart;
  const end = bodyEnd;
  let priority: PrioritySpec | undefined;
  if ((flags & FLAGS.PRIORITY) !== 0) {
    // A frame carrying a field block that is too short is a connection error (§4.2).
    if (end - start < 5)
      throw connError('FRAME_SIZE_ERROR', 'HEADERS with PRIORITY shorter than 5 octets', streamId);
    priority = readPriority(p, start);
    start += 5;
  }
  return {
    type: 'HEADERS',
    streamId,
    endStream: (flags & FLAGS.END_STREAM) !== 0,
    endHeaders: (flags & FLAGS.END_HEADERS) !== 0,
    priority,
    padLength,
    fragment: p.subarray(start, end),
  };
}

function decodePriority(streamId: number, p: Uint8Array): Frame {
  requireStream(streamId, 'PRIORITY', '§6.3');
  // RFC 9113 §6.3: wrong length is a *stream* error FRAME_SIZE_ERROR.
  if (p.length !== 5) {
    throw new H2ProtocolError(
      'FRAME_SIZE_ERROR',
      'stream',
      `PRIORITY of ${p.length} octets, not 5 (RFC 9113 §6.3)`,
      {
        streamId,
      },
    );
  }
  return { type: 'PRIORITY', streamId, priority: readPriority(p, 0) };
}

function decodeRstStream(streamId: number, p: Uint8Array): Frame {
  requireStream(streamId, 'RST_STREAM', '§6.4');
  if (p.length !== 4)
    throw connError('FRAME_SIZE_ERROR', `RST_STREAM of ${p.length} octets, not 4 (RFC 9113 §6.4)`);
  return { type: 'RST_STREAM', streamId, errorCode: errorCodeFromNumber(readU32(p, 0)) };
}

function decodeSettings(flags: number, streamId: number, p: Uint8Array): Frame {
  requireConnection(streamId, 'SETTINGS', '§6.5');
  const ack = (flags & FLAGS.ACK) !== 0;
  if (ack && p.length !== 0)
    throw connError('FRAME_SIZE_ERROR', 'SETTINGS ACK with a payload (RFC 9113 §6.5)');
  if (p.length % 6 !== 0)
    throw connError(
      'FRAME_SIZE_ERROR',
      `SETTINGS of ${p.length} octets, not a multiple of 6 (RFC 9113 §6.5)`,
    );
  const settings: SettingsEntry[] = [];
  for (let i = 0; i < p.length; i += 6) {
    const id = (p[i]! << 8) | p[i + 1]!;
    const value = readU32(p, i + 2);
    checkSetting(id, value);
    settings.push({ id, value });
  }
  return { type: 'SETTINGS', streamId: 0, ack, settings };
}

/** RFC 9113 §6.5.2 value ranges (and RFC 8441 §3, RFC 9218 §2.1 for the 0/1 flags). */
function checkSetting(id: number, value: number): void {
  switch (id) {
    case SETTINGS_IDS.SETTINGS_ENABLE_PUSH:
    case SETTINGS_IDS.SETTINGS_ENABLE_CONNECT_PROTOCOL:
    case SETTINGS_IDS.SETTINGS_NO_RFC7540_PRIORITIES:
      if (value > 1)
        throw connError('PROTOCOL_ERROR', `setting 0x${id.toString(16)} must be 0 or 1, got ${value}`);
      break;
    case SETTINGS_IDS.SETTINGS_INITIAL_WINDOW_SIZE:
      if (value > MAX_WINDOW_SIZE) {
        throw connError(
          'FLOW_CONTROL_ERROR',
          `SETTINGS_INITIAL_WINDOW_SIZE ${value} above 2^31-1 (RFC 9113 §6.5.2)`,
        );
      }
      break;
    case SETTINGS_IDS.SETTINGS_MAX_FRAME_SIZE:
      if (value < MIN_MAX_FRAME_SIZE || value > MAX_MAX_FRAME_SIZE) {
        throw connError(
          'PROTOCOL_ERROR',
          `SETTINGS_MAX_FRAME_SIZE ${value} outside 2^14..2^24-1 (RFC 9113 §6.5.2)`,
        );
      }
      break;
    default:
      break;
  }
}

function decodePushPromise(flags: number, streamId: number, p: Uint8Array): Frame {
  requireStream(streamId, 'PUSH_PROMISE', '§6.6');
  const padLength = unpad(flags, p, 'PUSH_PROMISE', streamId);
  if (bodyEnd - bodyStart < 4)
    throw connError('FRAME_SIZE_ERROR', 'PUSH_PROMISE shorter than its promised stream id', streamId);
  return {
    type: 'PUSH_PROMISE',
    streamId,
    endHeaders: (flags & FLAGS.END_HEADERS) !== 0,
    padLength,
    promisedStreamId: readU31(p, bodyStart),
    fragment: p.subarray(bodyStart + 4, bodyEnd),
  };
}

function decodePing(flags: number, streamId: number, p: Uint8Array): Frame {
  requireConnection(streamId, 'PING', '§6.7');
  if (p.length !== 8)
    throw connError('FRAME_SIZE_ERROR', `PING of ${p.length} octets, not 8 (RFC 9113 §6.7)`);
  return { type: 'PING', streamId: 0, ack: (flags & FLAGS.ACK) !== 0, opaqueData: p };
}

function decodeGoaway(streamId: number, p: Uint8Array): Frame {
  requireConnection(streamId, 'GOAWAY', '§6.8');
  if (p.length < 8)
    throw connError('FRAME_SIZE_ERROR', `GOAWAY of ${p.length} octets, below 8 (RFC 9113 §6.8)`);
  return {
    type: 'GOAWAY',
    streamId: 0,
    lastStreamId: readU31(p, 0),
    errorCode: errorCodeFromNumber(readU32(p, 4)),
    debugData: p.subarray(8),
  };
}

function decodeWindowUpdate(streamId: number, p: Uint8Array): Frame {
  // RFC 9113 §6.9: wrong length is a connection FRAME_SIZE_ERROR; an increment of 0 depends on
  // the stream (stream vs connection error) and is checked by the connection.
  if (p.length !== 4)
    throw connError('FRAME_SIZE_ERROR', `WINDOW_UPDATE of ${p.length} octets, not 4 (RFC 9113 §6.9)`);
  return { type: 'WINDOW_UPDATE', streamId, windowSizeIncrement: readU31(p, 0) };
}

function decodeContinuation(flags: number, streamId: number, p: Uint8Array): Frame {
  requireStream(streamId, 'CONTINUATION', '§6.10');
  return { type: 'CONTINUATION', streamId, endHeaders: (flags & FLAGS.END_HEADERS) !== 0, fragment: p };
}

function decodePriorityUpdate(streamId: number, p: Uint8Array): Frame {
  requireConnection(streamId, 'PRIORITY_UPDATE', '(RFC 9218 §7.1)');
  if (p.length < 4)
    throw connError('FRAME_SIZE_ERROR', 'PRIORITY_UPDATE shorter than 4 octets (RFC 9218 §7.1)');
  return {
    type: 'PRIORITY_UPDATE',
    streamId: 0,
    prioritizedStreamId: readU31(p, 0),
    priorityFieldValue: utf8.decode(p.subarray(4)),
  };
}
