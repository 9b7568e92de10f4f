import * as net from 'node:net';
import type { Duplex } from 'node:stream';

/** What the first bytes of a cleartext connection that is not the HTTP/2 preface say. */
export type RequestLineVerdict = 'http1' | 'not-http1' | 'undecided';

/** A request line longer than this that is still well formed goes to node:http (which answers 414/431). */
export const MAX_SNIFFED_REQUEST_LINE = 16_384;

const SP = 0x20;
const CR = 0x0d;
const LF = 0x0a;
const VERSION = Buffer.from('HTTP/1.');

/** RFC 9110 §5.6.2 tchar. */
function isTchar(b: number): boolean {
  if (b >= 0x30 && b <= 0x39) return true; // DIGIT
  if ((b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a)) return true; // ALPHA
  return "!#$%&'*+-.^_`|~".includes(String.fromCharCode(b));
}

/**
 * Reads the start of a connection as an HTTP/1.x request line (RFC 9112 §3:
 * `method SP request-target SP HTTP/1.x CRLF`, after optional empty lines, §2.2) and says as
 * early as possible whether it is one: `'not-http1'` at the first byte that cannot belong to
 * such a line, `'http1'` once the line ends well formed (or a well-formed prefix grows past
 * `MAX_SNIFFED_REQUEST_LINE`: that is an HTTP/1 client with a huge target), else `'undecided'`.
 *
 * @example
 * requestLineVerdict(Buffer.from('GET / HTTP/1.1\r\n')); // 'http1'
 * requestLineVerdict(Buffer.from('INVALID CONNECTION PREFACE\r\n\r\n')); // 'not-http1'
 */
export function requestLineVerdict(bytes: Uint8Array): RequestLineVerdict {
  let i = 0;
  while (i < bytes.length && (bytes[i] === CR || bytes[i] === LF)) i++; // RFC 9112 §2.2
  const start = i;
  // method = token
  while (i < bytes.length && isTchar(bytes[i] as number)) i++;
  if (i === bytes.length) return undecidedOrLong(bytes);
  if (i === start || bytes[i] !== SP) return 'not-http1';
  i++;
  // request-target: visible octets (and obs-text), at least one
  const targetStart = i;
  while (i < bytes.length && (bytes[i] as number) > SP && bytes[i] !== 0x7f) i++;
  if (i === bytes.length) return undecidedOrLong(bytes);
  if (i === targetStart || bytes[i] !== SP) return 'not-http1';
  i++;
  // HTTP-version = "HTTP/1." DIGIT
  for (let k = 0; k < VERSION.length; k++, i++) {
    if (i === bytes.length) return 'undecided';
    if (bytes[i] !== VERSION[k]) return 'not-http1';
  }
  if (i === bytes.length) return 'undecided';
  const digit = bytes[i] as number;
  if (digit < 0x30 || digit > 0x39) return 'not-http1';
  i++;
  // CRLF (a bare LF is tolerated, RFC 9112 §2.2)
  if (i === bytes.length) return 'undecided';
  if (bytes[i] === LF) return 'http1';
  if (bytes[i] !== CR) return 'not-http1';
  i++;
  if (i === bytes.length) return 'undecided';
  return bytes[i] === LF ? 'http1' : 'not-http1';
}

function undecidedOrLong(bytes: Uint8Array): RequestLineVerdict {
  return bytes.length > MAX_SNIFFED_REQUEST_LINE ? 'http1' : 'undecided';
}

/**
 * Listens for HTTP/2 with prior knowledge only (RFC 9113 §3.3): no HTTP/1.1 sniffing, every
 * accepted socket goes straight to `http2`, whose connection checks the preface itself and
 * answers an invalid one with GOAWAY PROTOCOL_ERROR, then closes (RFC 9113 §3.4).
 * `serve(handler, { http1: false })` uses it for its cleartext port.
 *
 * @example
 * const server = await listenH2c({ hostname: '127.0.0.1', port: 0 }, (socket) => startH2(socket));
 */
export function listenH2c(
  at: { readonly hostname: string; readonly port: number },
  http2: (socket: Duplex) => void,
): Promise<net.Server> {
  const server = net.createServer({ noDelay: true }, (socket) => {
    socket.on('error', ignore); // a reset peer must not crash the process; 'close' follows
    http2(socket);
  });
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => reject(e);
    server.once('error', onError);
    server.listen(at.port, at.hostname, () => {
      server.removeListener('error', onError);
      resolve(server);
    });
  });
}

function ignore(): void {}
