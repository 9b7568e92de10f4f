import type * as http from 'node:http';
import type { Duplex } from 'node:stream';
import type { RequestSink } from '../request-sink.js';
import type { OpenWebSockets } from './open-websockets.js';
import { attachUpgradeSource } from './transport-registry.js';
import { takeUpgrade } from './upgrade-websocket.js';

/**
 * The 'upgrade' listener of the HTTP/1.1 server: node:http hands over the socket of any request
 * with `Upgrade` (RFC 9110 §7.8). The request goes to the handler like any other; if it answers
 * with `upgradeWebSocket`'s response, 101 goes out and the socket becomes a WebSocket (RFC 6455
 * §4.2.2); any other answer is written as a plain response and the connection closed (so a
 * handler can refuse with 426, or ignore an `Upgrade: h2c`). A WebSocket started here joins
 * `openSockets`, the server's, which closes it with 1001 when the server shuts down.
 *
 * @example
 * server.on('upgrade', (req, socket, head) => handleUpgrade(sink, req, socket, head));
 */
export function handleUpgrade(
  sink: RequestSink,
  req: http.IncomingMessage,
  socket: Duplex,
  head: Buffer,
  openSockets?: OpenWebSockets,
): void {
  const secure = (socket as Duplex & { encrypted?: boolean }).encrypted === true;
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i] as string, raw[i + 1] as string);
  const controller = abortOnClose(socket);
  // A reset peer must not crash the process ('close' follows); serve()'s listener already sees
  // to it, and a third 'error' listener would grow the socket's listener array (~150 B).
  if (socket.listenerCount('error') === 0) socket.on('error', ignore);
  let request: Request;
  try {
    request = new Request(
      `${secure ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}${req.url as string}`,
      {
        method: req.method as string, // node:http's server always sets url and method
        headers,
        signal: controller.signal,
      },
    );
  } catch {
    socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    return;
  }
  attachUpgradeSource(request, {
    kind: 'h1',
    socket,
    head: new Uint8Array(head.buffer, head.byteOffset, head.byteLength),
  });
  sink(request, (response) => {
    const ws = takeUpgrade(request, response);
    if (ws !== undefined) {
      openSockets?.track(ws);
      ws.start();
    } else void writePlain(socket, response);
  });
}

/**
 * The controller of the request's signal, aborted when the client closes the connection. Made
 * here so that the 'close' listener's context holds the controller alone: made in
 * `handleUpgrade`, it would share a Context with the handler's callback and keep the whole
 * Request (URL, headers, signals: ~2 KB) for as long as the WebSocket lives.
 */
function abortOnClose(socket: Duplex): AbortController {
  const controller = new AbortController();
  socket.on('close', () => controller.abort(new Error('the client closed the connection')));
  return controller;
}

function ignore(): void {}

/** A handler's non-upgrade answer, written by hand (node:http no longer owns this socket). */
async function writePlain(socket: Duplex, response: Response): Promise<void> {
  const body = new Uint8Array(await response.arrayBuffer().catch(() => new ArrayBuffer(0)));
  const lines = [`HTTP/1.1 ${response.status} ${response.statusText || 'Status'}`];
  response.headers.forEach((value, name) => {
    if (name !== 'content-length' && name !== 'connection' && name !== 'transfer-encoding')
      lines.push(`${name}: ${value}`);
  });
  lines.push(`content-length: ${body.length}`, 'connection: close');
  if (socket.destroyed) return;
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  socket.end(body);
}
