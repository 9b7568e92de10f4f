import type { ServerExchange } from '@h2tubes/h2-flow';
import { responseParts } from '../response-to-exchange.js';
import { H1Transport } from './h1-transport.js';
import { H2Transport } from './h2-transport.js';
import { acceptKey, chooseProtocol, hasToken, isValidKey } from './handshake.js';
import { ServerWebSocket, type WebSocketOptions } from './server-websocket.js';
import { type H2UpgradeSource, upgradeSource } from './transport-registry.js';

/** What `upgradeWebSocket` returns: the socket, and the Response the handler must return. */
export interface WebSocketUpgrade {
  readonly socket: ServerWebSocket;
  readonly response: Response;
}

/**
 * Marks the Response `upgradeWebSocket` makes (for HTTP/1.1, Fetch cannot build a 101; for HTTP/2,
 * its body is the socket's frames, which a Fetch body cannot carry without a ReadableStream).
 */
const UPGRADE_MARK = 'x-h2tubes-upgrade';

/**
 * Turns a request into a WebSocket, in the shape of Deno's `Deno.upgradeWebSocket` (and Hono's
 * helpers): the handler returns `response` and uses `socket`. One handler serves both transports:
 *
 * - HTTP/2 extended CONNECT (RFC 8441 §4–5: `:method CONNECT`, `:protocol websocket`): the response
 *   is 200 and the stream stays open, its DATA frames carrying the WebSocket bytes. `serve()`
 *   announces SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 so browsers use it.
 * - HTTP/1.1 Upgrade (RFC 6455 §4.2): the response goes out as 101 Switching Protocols with
 *   Sec-WebSocket-Accept and the socket is handed over.
 *
 * Throws a TypeError when the request is not a WebSocket opening handshake this adapter received
 * (answer it as an ordinary request instead, e.g. 426). Extensions are declined.
 *
 * @example
 * serve((request) => {
 *   if (request.headers.get('upgrade') !== 'websocket' && request.method !== 'CONNECT')
 *     return new Response('ws only', { status: 426 });
 *   const { socket, response } = upgradeWebSocket(request);
 *   socket.onmessage = (e) => socket.send(e.data);
 *   return response;
 * });
 */
export function upgradeWebSocket(request: Request, options: WebSocketOptions = {}): WebSocketUpgrade {
  const source = upgradeSource(request);
  if (source === undefined) throw new TypeError('not a WebSocket request received by this server');
  const headers = request.headers;
  // RFC 6455 §4.2.1 item 6 and RFC 8441 §5: only version 13 is spoken.
  if (headers.get('sec-websocket-version') !== '13') throw new TypeError('Sec-WebSocket-Version must be 13');
  const protocol = chooseProtocol(headers.get('sec-websocket-protocol'), options.protocol);
  const url = request.url.replace(/^http/, 'ws');
  if (source.kind === 'h2') {
    const exchange = source.exchange;
    if (exchange.method !== 'CONNECT' || exchange.protocol !== 'websocket')
      throw new TypeError(`extended CONNECT for ${exchange.protocol}, not websocket`);
    const transport = new H2Transport(exchange);
    const socket = new ServerWebSocket(transport, url, protocol ?? '', 'h2', options);
    socket.start();
    // Tracked once its response goes out (`answerH2Upgrade`): a handler that makes the socket
    // and answers otherwise must not leave it in the server's set for good.
    source.pending = { socket, body: transport };
    // Marked like the HTTP/1.1 answer: `answerH2Upgrade` sends it as the 200 with the socket's
    // frames as its body, and drops the mark.
    const responseHeaders = new Headers({ [UPGRADE_MARK]: 'websocket' });
    if (protocol !== undefined) responseHeaders.set('sec-websocket-protocol', protocol);
    return { socket, response: new Response(null, { status: 200, headers: responseHeaders }) };
  }
  // RFC 6455 §4.2.1: GET, Upgrade: websocket, Connection: Upgrade, a 16-byte base64 key.
  const key = headers.get('sec-websocket-key');
  if (request.method !== 'GET') throw new TypeError('a WebSocket handshake is a GET');
  if (!hasToken(headers.get('upgrade'), 'websocket')) throw new TypeError('Upgrade must be websocket');
  if (!hasToken(headers.get('connection'), 'upgrade')) throw new TypeError('Connection must include Upgrade');
  if (!isValidKey(key)) throw new TypeError('Sec-WebSocket-Key is not 16 bytes in base64');
  const lines = [
    'HTTP/1.1 101 Switching Protocols',
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Accept: ${acceptKey(key.trim())}`,
  ];
  if (protocol !== undefined) lines.push(`Sec-WebSocket-Protocol: ${protocol}`);
  const head = `${lines.join('\r\n')}\r\n\r\n`;
  const transport = new H1Transport(source.socket, head, source.head);
  const socket = new ServerWebSocket(transport, url, protocol ?? '', 'http/1.1', options);
  // A placeholder: Fetch cannot build a 101 Response. The HTTP/1.1 side recognizes it by its
  // mark, which survives middleware that re-wraps responses (new Response(body, response)).
  const response = new Response(null, { status: 200, headers: { [UPGRADE_MARK]: 'websocket' } });
  source.socketOpened = socket;
  return { socket, response };
}

/**
 * The socket to start when the handler's answer to an HTTP/1.1 upgrade request is
 * `upgradeWebSocket`'s response (or a copy of it); undefined for any other answer (internal).
 */
export function takeUpgrade(request: Request, response: Response): ServerWebSocket | undefined {
  const source = upgradeSource(request);
  if (source?.kind !== 'h1' || source.socketOpened === undefined) return undefined;
  if (response.headers.get(UPGRADE_MARK) !== 'websocket') return undefined;
  const socket = source.socketOpened;
  source.socketOpened = undefined;
  return socket;
}

/**
 * Answers an extended CONNECT (RFC 8441 §5) when the handler's answer is `upgradeWebSocket`'s
 * response (or a copy of it): status and fields as the Response has them, less the mark, and the
 * WebSocket's frames as the body, pulled as the stream's windows allow. False, and nothing sent,
 * for any other answer (internal).
 */
export function answerH2Upgrade(exchange: ServerExchange, request: Request, response: Response): boolean {
  const source = upgradeSource(request);
  const pending = source?.kind === 'h2' ? source.pending : undefined;
  if (pending === undefined || response.headers.get(UPGRADE_MARK) !== 'websocket') return false;
  (source as H2UpgradeSource).pending = undefined;
  source?.openSockets?.track(pending.socket);
  const { status, fields } = responseParts(response, exchange.method);
  exchange.respond(
    status,
    fields.filter((f) => f.name !== UPGRADE_MARK),
    pending.body,
  );
  return true;
}
