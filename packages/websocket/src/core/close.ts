import { WebSocketProtocolError, WebSocketUsageError } from './errors.js';
import { CloseCode } from './opcodes.js';
import { isValidUtf8 } from './utf8.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The status code and reason of a Close frame (RFC 6455 §5.5.1). `code` 1005 = none given. */
export interface ClosePayload {
  readonly code: number;
  readonly reason: string;
}

/**
 * Whether a status code may appear in a Close frame on the wire (RFC 6455 §7.4.1, §7.4.2):
 * 1000–1003 and 1007–1014 are defined (1012–1014 registered with IANA, §11.7), 3000–4999 are
 * for libraries and applications; 1004, 1005, 1006 and 1015 are reserved and must never be sent,
 * and everything else below 5000 is unassigned.
 *
 * @example
 * isValidCloseCode(4000); // true
 * isValidCloseCode(1005); // false: "no status" is never sent
 */
export function isValidCloseCode(code: number): boolean {
  if (!Number.isInteger(code)) return false;
  if (code >= 3000 && code <= 4999) return true;
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014);
}

/**
 * Parses a received Close payload (RFC 6455 §5.5.1): empty, or a 2-byte code then a UTF-8 reason.
 * Throws a `WebSocketProtocolError` (1002 for a 1-byte payload or a code that may not be sent,
 * 1007 for a reason that is not UTF-8, §8.1).
 */
export function parseClosePayload(payload: Uint8Array): ClosePayload {
  if (payload.length === 0) return { code: CloseCode.NoStatus, reason: '' };
  if (payload.length === 1)
    throw new WebSocketProtocolError(CloseCode.ProtocolError, 'close payload of 1 byte');
  const code = ((payload[0] as number) << 8) | (payload[1] as number);
  if (!isValidCloseCode(code))
    throw new WebSocketProtocolError(CloseCode.ProtocolError, `close code ${code}`);
  const reasonBytes = payload.subarray(2);
  if (!isValidUtf8(reasonBytes))
    throw new WebSocketProtocolError(CloseCode.InvalidPayload, 'close reason is not UTF-8');
  return { code, reason: decoder.decode(reasonBytes) };
}

/**
 * Builds a Close payload. `code` undefined sends none (the peer sees 1005). The reason must fit the
 * 125-byte control frame limit (§5.5): at most 123 bytes of UTF-8.
 *
 * @example
 * closePayload(4000, 'bye'); // Uint8Array [0x0f, 0xa0, 0x62, 0x79, 0x65]
 */
export function closePayload(code: number | undefined, reason = ''): Uint8Array {
  if (code === undefined) {
    if (reason !== '') throw new WebSocketUsageError('a close reason needs a code');
    return new Uint8Array(0);
  }
  if (!isValidCloseCode(code)) throw new WebSocketUsageError(`close code ${code} may not be sent`);
  const r = encoder.encode(reason);
  if (r.length > 123) throw new WebSocketUsageError('a close reason is at most 123 bytes of UTF-8');
  const out = new Uint8Array(2 + r.length);
  out[0] = code >> 8;
  out[1] = code & 0xff;
  out.set(r, 2);
  return out;
}
