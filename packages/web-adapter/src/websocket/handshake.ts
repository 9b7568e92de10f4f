import { createHash } from 'node:crypto';

/** RFC 6455 §1.3: the GUID appended to Sec-WebSocket-Key before hashing. */
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/**
 * The Sec-WebSocket-Accept value for a Sec-WebSocket-Key (RFC 6455 §4.2.2 step 5.4):
 * base64(SHA-1(key + GUID)).
 *
 * @example
 * acceptKey('dGhlIHNhbXBsZSBub25jZQ=='); // 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=' (the RFC's example)
 */
export function acceptKey(key: string): string {
  return createHash('sha1')
    .update(key + GUID)
    .digest('base64');
}

/** §4.1: the key is 16 random bytes, base64-encoded (24 characters ending in "=="). */
export function isValidKey(key: string | null): key is string {
  return key !== null && /^[A-Za-z0-9+/]{22}==$/.test(key.trim());
}

/** A comma-separated header contains `token`, case-insensitively (RFC 9110 §5.6.1). */
export function hasToken(value: string | null, token: string): boolean {
  if (value === null) return false;
  return value.split(',').some((t) => t.trim().toLowerCase() === token);
}

/**
 * Picks the subprotocol: the server's choice must be one the client offered (§4.2.2 step 5.5
 * "/subprotocol/"); undefined when the client offered none or the choice is not among them.
 */
export function chooseProtocol(offered: string | null, wanted: string | undefined): string | undefined {
  if (wanted === undefined || offered === null) return undefined;
  return offered.split(',').some((p) => p.trim() === wanted) ? wanted : undefined;
}
