/**
 * RFC 9113 §7 error codes. Unregistered codes received from a peer are kept as numbers
 * (RFC 9113 §7: "Unknown or unsupported error codes MUST NOT trigger any special behavior"),
 * so an `ErrorCode` value is a registered name or the raw 32-bit number.
 */
export const ERROR_CODES = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  SETTINGS_TIMEOUT: 0x4,
  STREAM_CLOSED: 0x5,
  FRAME_SIZE_ERROR: 0x6,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
  CONNECT_ERROR: 0xa,
  ENHANCE_YOUR_CALM: 0xb,
  INADEQUATE_SECURITY: 0xc,
  HTTP_1_1_REQUIRED: 0xd,
} as const;

export type ErrorCodeName = keyof typeof ERROR_CODES;
/** A registered name, or the raw number of a code RFC 9113 does not register. */
export type ErrorCode = ErrorCodeName | number;

const NAMES_BY_NUMBER: readonly ErrorCodeName[] = Object.keys(ERROR_CODES) as ErrorCodeName[];

/** The wire number of a code. */
export function errorCodeNumber(code: ErrorCode): number {
  return typeof code === 'number' ? code : ERROR_CODES[code];
}

/** The registered name of a wire number, or the number itself when it is not registered. */
export function errorCodeFromNumber(n: number): ErrorCode {
  return n < NAMES_BY_NUMBER.length ? NAMES_BY_NUMBER[n]! : n;
}
