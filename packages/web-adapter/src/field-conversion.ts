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
  for (const [name, value] of headers) pushField(out, name, value);
  return out;
}

/**
 * Appends one response field unless HTTP/2 forbids it (RFC 9113 §8.2.2): connection-specific
 * names are dropped, `te` kept only as `trailers`. `name` must already be lowercase.
 *
 * @example
 * pushField(out, 'connection', 'close'); // out unchanged
 */
export function pushField(out: HeaderField[], name: string, value: string): void {
  if (CONNECTION_SPECIFIC.has(name)) return;
  if (name === 'te' && value.trim().toLowerCase() !== 'trailers') return;
  out.push({ name, value });
}

/** A lowercase token (RFC 9110 §5.1): a field name as it goes on the wire. */
const PLAIN_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
/** A field value Fetch would keep unchanged: no NUL/CR/LF, no leading or trailing whitespace. */
const PLAIN_VALUE = /^(?:[\x21-\x7e\x80-\xff](?:[\x20-\x7e\x80-\xff\t]*[\x21-\x7e\x80-\xff])?)?$/;

/**
 * Normalises whatever a handler gave as headers or trailers into fields, as `new Headers(init)`
 * would but without building one for the common plain record or pair list: names lowercased,
 * connection-specific fields dropped. Anything Fetch would normalise or reject (whitespace
 * around a value, an invalid name) goes through `Headers`, so it gets Fetch's result or its
 * TypeError. Trailers carry no pseudo-headers (RFC 9113 §8.1); a `:name` is not a token, so
 * none gets through.
 *
 * @example
 * initToFields({ 'grpc-status': '0' }); // [{ name: 'grpc-status', value: '0' }]
 */
export function initToFields(init: HeadersInit): HeaderField[] {
  if (init instanceof Headers) return headersToFields(init);
  if (!Array.isArray(init) && Symbol.iterator in init) return headersToFields(new Headers(init));
  const pairs: readonly (readonly string[])[] = Array.isArray(init) ? init : Object.entries(init);
  const out: HeaderField[] = [];
  for (const pair of pairs) {
    if (pair.length !== 2) return headersToFields(new Headers(init));
    const name = String(pair[0]).toLowerCase();
    const value = String(pair[1]);
    if (!PLAIN_NAME.test(name) || !PLAIN_VALUE.test(value)) return headersToFields(new Headers(init));
    pushField(out, name, value);
  }
  return out;
}
