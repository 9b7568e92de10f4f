import type { ErrorCode } from './error-codes.js';

/**
 * The HTTP/2 frame model (RFC 9113 §4, §6; RFC 9218 §7.1 for PRIORITY_UPDATE).
 *
 * Three stages of the inbound pipeline use three unions, so the types say what a stage has done:
 *   splitFrames/parseFrames → `Frame`          (wire frames; HEADERS carry a fragment)
 *   assembleFieldBlocks    → `AssembledFrame` (HEADERS/PUSH_PROMISE + CONTINUATION → one `EncodedFieldBlock`)
 *   decodeHpack             → `DecodedFrame`   (the block decoded into a `FieldBlock`)
 * The outbound pipeline runs the same unions backwards: h2-flow writes `DecodedFrame`s,
 * encodeHpack turns each `FieldBlock` into HEADERS + CONTINUATION frames, the serializer writes bytes.
 *
 * Every frame has `streamId` (0 for connection-level frames) so generic stages can route on it.
 * Payload fields (`data`, `fragment`, `payload`, ...) are views into the received chunk, not copies.
 * Flags are decoded into booleans; unknown flags are ignored (RFC 9113 §4.1), so re-encoding a
 * frame may clear flag bits no one defined. Only `UnknownFrame` keeps its raw flags.
 */

/** RFC 9113 §11.2 frame type codes, plus PRIORITY_UPDATE (RFC 9218 §7.1). */
export const FRAME_TYPE_CODES = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
  PRIORITY_UPDATE: 0x10,
} as const;

/** RFC 9113 §6 flag bits. ACK and END_STREAM share bit 0x1 on different frame types. */
export const FLAGS = {
  END_STREAM: 0x1,
  ACK: 0x1,
  END_HEADERS: 0x4,
  PADDED: 0x8,
  PRIORITY: 0x20,
} as const;

/** RFC 9113 §4.1: every frame starts with a fixed 9-octet header. */
export const FRAME_HEADER_LENGTH = 9;

/** RFC 9113 §3.4: the client connection preface, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" (24 octets). */
export const CONNECTION_PREFACE: Uint8Array = new TextEncoder().encode('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/** RFC 9113 §6.5.2 setting identifiers, plus RFC 8441 §3 and RFC 9218 §2.1. */
export const SETTINGS_IDS = {
  SETTINGS_HEADER_TABLE_SIZE: 0x1,
  SETTINGS_ENABLE_PUSH: 0x2,
  SETTINGS_MAX_CONCURRENT_STREAMS: 0x3,
  SETTINGS_INITIAL_WINDOW_SIZE: 0x4,
  SETTINGS_MAX_FRAME_SIZE: 0x5,
  SETTINGS_MAX_HEADER_LIST_SIZE: 0x6,
  SETTINGS_ENABLE_CONNECT_PROTOCOL: 0x8,
  SETTINGS_NO_RFC7540_PRIORITIES: 0x9,
} as const;

/** RFC 9113 §6.5.2 initial values (the value in force before the peer's SETTINGS says otherwise). */
export const DEFAULT_SETTINGS = {
  SETTINGS_HEADER_TABLE_SIZE: 4096,
  SETTINGS_ENABLE_PUSH: 1,
  SETTINGS_MAX_CONCURRENT_STREAMS: Number.POSITIVE_INFINITY,
  SETTINGS_INITIAL_WINDOW_SIZE: 65_535,
  SETTINGS_MAX_FRAME_SIZE: 16_384,
  SETTINGS_MAX_HEADER_LIST_SIZE: Number.POSITIVE_INFINITY,
  SETTINGS_ENABLE_CONNECT_PROTOCOL: 0,
  SETTINGS_NO_RFC7540_PRIORITIES: 0,
} as const;

/** RFC 9113 §5.2.1, §6.9.1: the largest flow-control window, 2^31-1. */
export const MAX_WINDOW_SIZE = 0x7fff_ffff;
/** RFC 9113 §4.2: SETTINGS_MAX_FRAME_SIZE bounds, 2^14 and 2^24-1. */
export const MIN_MAX_FRAME_SIZE = 16_384;
export const MAX_MAX_FRAME_SIZE = 16_777_215;

export type FrameTypeName = keyof typeof FRAME_TYPE_CODES;

/** RFC 9113 §5.3.2 (deprecated scheme, still parsed): weight is 1..256 (wire value + 1). */
export interface PrioritySpec {
  readonly exclusive: boolean;
  readonly dependency: number;
  readonly weight: number;
}

export interface SettingsEntry {
  /** A SETTINGS_IDS value, or an unknown id (kept; RFC 9113 §6.5.2 says ignore it). */
  readonly id: number;
  readonly value: number;
}

/** One decoded header field. `neverIndex` marks an HPACK never-indexed literal (RFC 7541 §6.2.3). */
export interface HeaderField {
  readonly name: string;
  readonly value: string;
  readonly neverIndex?: boolean;
}

/** A field section (RFC 9110 §5.3): the header or trailer fields of one message, in order. */
export type FieldList = readonly HeaderField[];

export interface DataFrame {
  readonly type: 'DATA';
  readonly streamId: number;
  readonly endStream: boolean;
  readonly data: Uint8Array;
  /** Present when PADDED was set: the number of padding octets (the pad-length octet not included). */
  readonly padLength: number | undefined;
}

export interface HeadersFrame {
  readonly type: 'HEADERS';
  readonly streamId: number;
  readonly endStream: boolean;
  readonly endHeaders: boolean;
  readonly priority: PrioritySpec | undefined;
  readonly padLength: number | undefined;
  readonly fragment: Uint8Array;
}

export interface PriorityFrame {
  readonly type: 'PRIORITY';
  readonly streamId: number;
  readonly priority: PrioritySpec;
}

export interface RstStreamFrame {
  readonly type: 'RST_STREAM';
  readonly streamId: number;
  readonly errorCode: ErrorCode;
}

export interface SettingsFrame {
  readonly type: 'SETTINGS';
  readonly streamId: 0;
  readonly ack: boolean;
  readonly settings: readonly SettingsEntry[];
}

export interface PushPromiseFrame {
  readonly type: 'PUSH_PROMISE';
  readonly streamId: number;
  readonly endHeaders: boolean;
  readonly padLength: number | undefined;
  readonly promisedStreamId: number;
  readonly fragment: Uint8Array;
}

export interface PingFrame {
  readonly type: 'PING';
  readonly streamId: 0;
  readonly ack: boolean;
  /** Exactly 8 octets (RFC 9113 §6.7). */
  readonly opaqueData: Uint8Array;
}

export interface GoawayFrame {
  readonly type: 'GOAWAY';
  readonly streamId: 0;
  readonly lastStreamId: number;
  readonly errorCode: ErrorCode;
  readonly debugData: Uint8Array;
}

export interface WindowUpdateFrame {
  readonly type: 'WINDOW_UPDATE';
  readonly streamId: number;
  readonly windowSizeIncrement: number;
}

export interface ContinuationFrame {
  readonly type: 'CONTINUATION';
  readonly streamId: number;
  readonly endHeaders: boolean;
  readonly fragment: Uint8Array;
}

/** RFC 9218 §7.1. */
export interface PriorityUpdateFrame {
  readonly type: 'PRIORITY_UPDATE';
  readonly streamId: 0;
  readonly prioritizedStreamId: number;
  /** The Priority Field Value, e.g. "u=2, i" (RFC 9218 §4). */
  readonly priorityFieldValue: string;
}

/** A frame of a type this package does not know (RFC 9113 §5.5: ignored by the protocol, kept for pipelines). */
export interface UnknownFrame {
  readonly type: 'UNKNOWN';
  readonly typeCode: number;
  readonly flags: number;
  readonly streamId: number;
  readonly payload: Uint8Array;
}

/** A frame as it is on the wire. */
export type Frame =
  | DataFrame
  | HeadersFrame
  | PriorityFrame
  | RstStreamFrame
  | SettingsFrame
  | PushPromiseFrame
  | PingFrame
  | GoawayFrame
  | WindowUpdateFrame
  | ContinuationFrame
  | PriorityUpdateFrame
  | UnknownFrame;

/** Frames that are not part of a field block. */
export type NonHeaderFrame = Exclude<Frame, HeadersFrame | PushPromiseFrame | ContinuationFrame>;

/**
 * A complete field block: HEADERS or PUSH_PROMISE with all its CONTINUATION fragments joined
 * (RFC 9113 §4.3), still HPACK-encoded. Padding and the priority fields come from the first frame.
 */
export interface EncodedFieldBlock {
  readonly type: 'HEADER_BLOCK';
  readonly kind: 'HEADERS' | 'PUSH_PROMISE';
  readonly streamId: number;
  readonly endStream: boolean;
  readonly priority: PrioritySpec | undefined;
  /** PUSH_PROMISE only; 0 for HEADERS. */
  readonly promisedStreamId: number;
  readonly block: Uint8Array;
}

/** A field block decoded by HPACK: the header list of a request, response or trailers. */
export interface FieldBlock {
  readonly type: 'FIELD_BLOCK';
  readonly kind: 'HEADERS' | 'PUSH_PROMISE';
  readonly streamId: number;
  readonly endStream: boolean;
  readonly priority: PrioritySpec | undefined;
  readonly promisedStreamId: number;
  readonly fields: FieldList;
  /**
   * True when the decoded list went over our SETTINGS_MAX_HEADER_LIST_SIZE (RFC 9113 §6.5.2):
   * decoding still ran to the end to keep the HPACK context in step, but `fields` holds only
   * what fit. The protocol layer answers it per stream (431 or RST_STREAM), not per connection.
   */
  readonly oversized: boolean;
}

export type AssembledFrame = NonHeaderFrame | EncodedFieldBlock;
export type DecodedFrame = NonHeaderFrame | FieldBlock;
