import type { FieldList } from '@h2tubes/h2-flow';
import type { HeaderField } from '@h2tubes/h2-frames';

/**
 * RFC 9113 §8.2.2: connection-specific fields must not appear in HTTP/2 (a message carrying one is
 * malformed). Fetch handlers written for HTTP/1.1 may still set them, so they are dropped on the
 * way out rather than reaching the wire.
 */
const CONNECTION_SPECIFIC = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
]);

/**
 * Builds Fetch `Headers` from an HTTP/2 field list, skipping pseudo-headers (RFC 9113 §8.3).
 * Repeated fields are appended, so `cookie` crumbs (RFC 9113 §8.2.3) and `set-cookie` survive.
 *
 * @example
 * fieldsToHeaders([{ name: ':path', value: '/' }, { name: 'accept', value: '*\/*' }]).get('accept'); // '*\/*'
 */
export function fieldsToHeaders(fields: FieldList): Headers {
  const headers = new Headers();
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i] as HeaderField;
    if (f.name.charCodeAt(0) === 0x3a /* ':' */) continue;
    headers.append(f.name, f.value);
  }
  return headers;
}

/**
 * Turns Fetch headers into HTTP/2 regular fields: names lowercased (RFC 9113 §8.2.1; `Headers`
 * already lowercases them), connection-specific fields dropped (§8.2.2), and `te` kept only as
 * `trailers`, the one value HTTP/2 allows.
 *
 * @example
 * headersToFields(new Headers({ 'Content-Type': 'text/plain', Connection: 'close' }));
 * // [{ name: 'content-type', value: 'text/plain' }]
 */
export function headersToFields(headers: Headers): HeaderField[] {
  const out: HeaderField[] = [];
  // Iterating `Headers` yields each set-cookie separately and the others combined (Fetch §2.2.2).
  for (const [name, value] of headers) {
    if (CONNECTION_SPECIFIC.has(name)) continue;
    if (name === 'te' && value.trim().toLowerCase() !== 'trailers') continue;
    out.push({ name, value });
  }
  return out;
}

/**
 * Normalises whatever a handler gave as trailers into fields. Trailers carry no pseudo-headers
 * (RFC 9113 §8.1); `Headers` rejects such names, so none can get through.
 *
 * @example
 * initToFields({ 'grpc-status': '0' }); // [{ name: 'grpc-status', value: '0' }]
 */
export function initToFields(init: HeadersInit): HeaderField[] {
  return headersToFields(init instanceof Headers ? init : new Headers(init));
}
