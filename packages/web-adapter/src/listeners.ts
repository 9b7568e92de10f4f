import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { CONNECTION_PREFACE } from '@h2tubes/h2-frames';
import { listenH2c, requestLineVerdict } from './h2c-listener.js';

/** Where an accepted socket goes once we know which protocol it speaks. */
export interface SocketHandoff {
  /** A socket that speaks HTTP/2 (any bytes already read were put back with `unshift`). */
  http2(socket: Duplex): void;
  /** A socket that speaks HTTP/1.x; `undefined` when HTTP/1.1 is turned off (such sockets are closed). */
  readonly http1: ((socket: Duplex) => void) | undefined;
}

/** Where to listen. */
export interface ListenAt {
  readonly hostname: string;
  readonly port: number;
}

/** How long a cleartext connection may take to send enough bytes to tell HTTP/2 from HTTP/1. */
const SNIFF_TIMEOUT_MS = 10_000;
const PREFACE_LENGTH = CONNECTION_PREFACE.length;

/**
 * Tells HTTP/2 with prior knowledge (RFC 9113 §3.3: the client starts with the 24-octet preface)
 * from HTTP/1.x on one cleartext socket, like twisted/tubes' Diverter: read until the bytes
 * diverge from the preface or all 24 match, put them back with `unshift`, hand the socket over.
 * Reading uses 'readable' + `read()` so that, once the listener is removed, the socket returns to
 * its initial (not flowing) mode and the next owner's 'data' listener receives the bytes.
 *
 * @example
 * net.createServer((socket) => sniffPreface(socket, { http2: startH2, http1: (s) => h1.emit('connection', s) }));
 */
export function sniffPreface(socket: net.Socket, handoff: SocketHandoff, timeoutMs = SNIFF_TIMEOUT_MS): void {
  let seen: Buffer | undefined;
  const timer = setTimeout(() => socket.destroy(), timeoutMs);
  const finish = (isH2: boolean): void => {
    clearTimeout(timer);
    socket.removeListener('readable', onReadable);
    socket.removeListener('end', onEnd);
    if (seen !== undefined) socket.unshift(seen);
    handOver(socket, isH2, handoff);
  };
  const onEnd = (): void => {
    clearTimeout(timer);
    socket.destroy();
  };
  const onReadable = (): void => {
    let chunk: Buffer | null;
    // biome-ignore lint/suspicious/noAssignInExpressions: the usual read() loop
    while ((chunk = socket.read() as Buffer | null) !== null) {
      seen = seen === undefined ? chunk : Buffer.concat([seen, chunk]);
      if (matchesPreface(seen)) {
        if (seen.length >= PREFACE_LENGTH) {
          finish(true);
          return;
        }
        continue;
      }
      // Not the preface. RFC 9113 §3.4: bytes that are not an HTTP/1.x request line either are an
      // invalid preface, answered by the HTTP/2 side with GOAWAY PROTOCOL_ERROR and a close (an
      // HTTP/1.1 400 would be nonsense to an HTTP/2 client). Wait for enough of the first line.
      const verdict = requestLineVerdict(seen);
      if (verdict !== 'undecided') {
        finish(verdict === 'not-http1');
        return;
      }
    }
  };
  socket.on('readable', onReadable);
  socket.on('end', onEnd);
}

function matchesPreface(seen: Buffer): boolean {
  const n = Math.min(seen.length, PREFACE_LENGTH);
  for (let i = 0; i < n; i++) if (seen[i] !== CONNECTION_PREFACE[i]) return false;
  return true;
}

function handOver(socket: Duplex, isH2: boolean, handoff: SocketHandoff): void {
  if (isH2) handoff.http2(socket);
  else if (handoff.http1 !== undefined) handoff.http1(socket);
  else socket.destroy();
}

/**
 * Listens for cleartext connections: HTTP/2 with prior knowledge and, on the same port,
 * HTTP/1.1 (see `sniffPreface`). Resolves once bound (port 0 picks a free port).
 *
 * @example
 * const server = await listenCleartext({ hostname: '127.0.0.1', port: 0 }, handoff);
 * console.log((server.address() as net.AddressInfo).port);
 */
export function listenCleartext(at: ListenAt, handoff: SocketHandoff): Promise<net.Server> {
  // HTTP/1.1 off: h2c only, the HTTP/2 connection checks the preface itself (RFC 9113 §3.4).
  if (handoff.http1 === undefined) return listenH2c(at, (socket) => handoff.http2(socket));
  const server = net.createServer({ noDelay: true }, (socket) => {
    socket.on('error', ignore); // a reset peer must not crash the process; 'close' follows
    sniffPreface(socket, handoff);
  });
  return bind(server, at);
}

/**
 * Listens for TLS connections offering ALPN `h2` then `http/1.1` (RFC 7301, RFC 9113 §3.2).
 * `h2` sockets go to HTTP/2; `http/1.1` and clients without ALPN go to the HTTP/1.1 handler.
 *
 * @example
 * const server = await listenTls({ hostname: '127.0.0.1', port: 8443 }, { cert, key }, handoff);
 */
export function listenTls(
  at: ListenAt,
  options: tls.TlsOptions,
  handoff: SocketHandoff,
): Promise<tls.Server> {
  const protocols = handoff.http1 === undefined ? ['h2'] : ['h2', 'http/1.1'];
  const server = tls.createServer({ ...options, ALPNProtocols: protocols }, (socket) => {
    socket.on('error', ignore);
    socket.setNoDelay(true);
    handOver(socket, socket.alpnProtocol === 'h2', handoff);
  });
  return bind(server, at);
}

function bind<S extends net.Server>(server: S, at: ListenAt): Promise<S> {
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
