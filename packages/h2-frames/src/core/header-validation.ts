import type { FieldList, HeaderField } from './frame-types.js';

/**
 * Header section validation, RFC 9113 §8.2–§8.3 and RFC 8441 §4, in one pass per section (it runs
 * per request on the hot path). Each check returns a parsed head or a string naming the rule
 * broken; the protocol layer answers it with a stream error PROTOCOL_ERROR (§8.1.1).
 */

/** The request pseudo-headers (§8.3.1) and the framing fields the core acts on. */
export interface RequestHead {
  readonly method: string;
  readonly scheme: string | undefined;
  readonly authority: string | undefined;
  readonly path: string | undefined;
  /** RFC 8441 extended CONNECT `:protocol`. */
  readonly protocol: string | undefined;
  /** content-length, or -1 when absent. */
  readonly contentLength: number;
  /** The `priority` header (RFC 9218 §5), if any. */
  readonly priority: string | undefined;
}

/** The response pseudo-header (§8.3.2) and content-length. */
export interface ResponseHead {
  readonly status: number;
  readonly contentLength: number;
}

/** RFC 9110 §5.6.2 tchar, lowercase only (RFC 9113 §8.2.1: uppercase names are malformed). */
const NAME_CHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz") NAME_CHAR[c.charCodeAt(0)] = 1;

function badNameChar(name: string): string | undefined {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 128 || NAME_CHAR[c] !== 1) {
      return c >= 0x41 && c <= 0x5a
        ? `uppercase field name ${name} (RFC 9113 §8.2.1)`
        : `field name ${JSON.stringify(name)} has a character outside RFC 9110 tchar (RFC 9113 §8.2.1)`;
    }
  }
  return undefined;
}

/** §8.2.2: connection-specific fields are malformed in HTTP/2. */
const CONNECTION_SPECIFIC = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
]);

/** Checks what every header section shares: field names, connection fields, te, content-length. Returns the content-length, -1 or an error. */
function checkRegular(f: HeaderField, contentLength: number): number | string {
  const name = f.name;
  if (name.length === 0) return 'empty field name (RFC 9113 §8.2.1)';
  const bad = badNameChar(name);
  if (bad !== undefined) return bad;
  const value = f.value;
  if (value.length > 0) {
    const first = value.charCodeAt(0);
    const last = value.charCodeAt(value.length - 1);
    // §8.2.1: no leading or trailing whitespace, no NUL, CR or LF anywhere.
    if (first === 0x20 || first === 0x09 || last === 0x20 || last === 0x09) {
      return `field ${name} value with leading or trailing whitespace (RFC 9113 §8.2.1)`;
    }
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c === 0 || c === 0x0a || c === 0x0d)
        return `field ${name} value contains NUL, CR or LF (RFC 9113 §8.2.1)`;
    }
  }
  if (CONNECTION_SPECIFIC.has(name)) return `connection-specific field ${name}`;
  if (name === 'te' && f.value !== 'trailers') return 'te other than "trailers"';
  if (name === 'content-length') {
    if (!/^[0-9]{1,15}$/.test(f.value)) return 'invalid content-length';
    const n = Number(f.value);
    if (contentLength >= 0 && n !== contentLength) return 'conflicting content-length';
    return n;
  }
  return contentLength;
}

/**
 * Parses a request header section (RFC 9113 §8.3.1, RFC 8441 §4). `connectProtocol` says whether
 * extended CONNECT is enabled (our SETTINGS_ENABLE_CONNECT_PROTOCOL = 1).
 *
 * @example
 * parseRequestHead([{ name: ':method', value: 'GET' }, { name: ':scheme', value: 'https' }, { name: ':path', value: '/' }], false);
 */
export function parseRequestHead(fields: FieldList, connectProtocol: boolean): RequestHead | string {
  let method: string | undefined;
  let scheme: string | undefined;
  let authority: string | undefined;
  let path: string | undefined;
  let protocol: string | undefined;
  let priority: string | undefined;
  let contentLength = -1;
  let regular = false;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (f.name.charCodeAt(0) === 0x3a) {
      // §8.3: pseudo-headers come first, appear once, and only the defined ones.
      if (regular) return `pseudo-header ${f.name} after a regular field`;
      switch (f.name) {
        case ':method':
          if (method !== undefined) return 'duplicate :method';
          method = f.value;
          break;
        case ':scheme':
          if (scheme !== undefined) return 'duplicate :scheme';
          scheme = f.value;
          break;
        case ':authority':
          if (authority !== undefined) return 'duplicate :authority';
          authority = f.value;
          break;
        case ':path':
          if (path !== undefined) return 'duplicate :path';
          path = f.value;
          break;
        case ':protocol':
          if (protocol !== undefined) return 'duplicate :protocol';
          protocol = f.value;
          break;
        default:
          return `pseudo-header ${f.name} not allowed in a request`;
      }
      continue;
    }
    regular = true;
    const r = checkRegular(f, contentLength);
    if (typeof r === 'string') return r;
    contentLength = r;
    if (f.name === 'priority') priority = priority === undefined ? f.value : `${priority},${f.value}`;
  }
  if (method === undefined) return 'missing :method';
  if (protocol !== undefined) {
    // RFC 8441 §4: :protocol only on CONNECT, only when enabled, and then :scheme and :path are required.
    if (!connectProtocol) return ':protocol without SETTINGS_ENABLE_CONNECT_PROTOCOL';
    if (method !== 'CONNECT') return ':protocol on a method other than CONNECT';
    if (scheme === undefined || path === undefined || authority === undefined)
      return 'extended CONNECT without :scheme, :path or :authority';
  } else if (method === 'CONNECT') {
    // §8.5: CONNECT carries :authority only.
    if (scheme !== undefined || path !== undefined || authority === undefined)
      return 'CONNECT must carry :authority and no :scheme or :path';
  } else if (scheme === undefined || path === undefined || path === '') {
    return 'missing :scheme or :path';
  }
  return { method, scheme, authority, path, protocol, contentLength, priority };
}

/**
 * Parses a response header section (RFC 9113 §8.3.2): exactly one `:status` of three digits.
 *
 * @example
 * parseResponseHead([{ name: ':status', value: '204' }]); // { status: 204, contentLength: -1 }
 */
export function parseResponseHead(fields: FieldList): ResponseHead | string {
  let status = -1;
  let contentLength = -1;
  let regular = false;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (f.name.charCodeAt(0) === 0x3a) {
      if (regular) return `pseudo-header ${f.name} after a regular field`;
      if (f.name !== ':status') return `pseudo-header ${f.name} not allowed in a response`;
      if (status !== -1) return 'duplicate :status';
      if (!/^[1-5][0-9][0-9]$/.test(f.value)) return 'invalid :status';
      status = Number(f.value);
      continue;
    }
    regular = true;
    const r = checkRegular(f, contentLength);
    if (typeof r === 'string') return r;
    contentLength = r;
  }
  if (status === -1) return 'missing :status';
  return { status, contentLength };
}

/**
 * Checks a trailer section (RFC 9113 §8.1): no pseudo-headers, no connection-specific fields.
 * Returns an error string or undefined.
 *
 * @example
 * checkTrailers([{ name: ':status', value: '200' }]); // 'pseudo-header :status in trailers'
 */
export function checkTrailers(fields: FieldList): string | undefined {
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (f.name.charCodeAt(0) === 0x3a) return `pseudo-header ${f.name} in trailers`;
    const r = checkRegular(f, -1);
    if (typeof r === 'string') return r;
  }
  return undefined;
}

/**
 * The size of a header list as SETTINGS_MAX_HEADER_LIST_SIZE counts it (RFC 9113 §6.5.2):
 * name + value octets + 32 per field. String length stands in for octets (field text is ASCII).
 *
 * @example
 * headerListSize([{ name: 'a', value: 'bc' }]); // 35
 */
export function headerListSize(fields: FieldList): number {
  let n = 0;
  for (let i = 0; i < fields.length; i++) n += fields[i]!.name.length + fields[i]!.value.length + 32;
  return n;
}
