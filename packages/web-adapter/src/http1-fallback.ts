import * as http from 'node:http';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import type { FieldList } from '@h2tubes/h2-frames';
import { attachRequestContext } from './request-context.js';
import type { RequestSink } from './request-sink.js';
import { responseParts } from './response-to-exchange.js';
import { handleUpgrade } from './websocket/http1-upgrade.js';
import type { OpenWebSockets } from './websocket/open-websockets.js';

/** StreamingRequestInit as undici takes it: a streamed body needs `duplex: 'half'`. */
type StreamingRequestInit = RequestInit & { duplex?: 'half' };

/**
 * Builds a Fetch Request from a node:http request. The body is `Readable.toWeb(req)`, whose
 * queue pauses the socket once full, so an unread upload stops the client (TCP backpressure).
 * `signal` aborts when the client goes away before the response is finished.
 *
 * @example
 * http.createServer((req, res) => { const request = requestFromIncoming(req, res); ... });
 */
export function requestFromIncoming(req: http.IncomingMessage, res: http.ServerResponse): Request {
  const secure = (req.socket as Socket & { encrypted?: boolean }).encrypted === true;
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i] as string, raw[i + 1] as string);
  const target = req.url as string; // always set on a request node:http's server parsed
  const url =
    target.charCodeAt(0) === 0x2f /* '/' */
      ? `${secure ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}${target}`
      : target;
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort(new Error('the client closed the connection'));
  });
  const method = req.method as string;
  const init: StreamingRequestInit = { method, headers, signal: controller.signal };
  if (method !== 'GET' && method !== 'HEAD') {
    init.body = Readable.toWeb(req) as ReadableStream<Uint8Array>;
    init.duplex = 'half';
  }
  const request = new Request(url, init);
  attachRequestContext(request, {
    sendInformational: (status, fields) => sendInformational(res, status, fields),
    trailers: new Promise<Headers>((resolve) => {
      const done = (): void => resolve(trailerHeaders(req.rawTrailers));
      req.once('end', done);
      req.once('close', done);
    }),
  });
  return request;
}

function trailerHeaders(raw: string[]): Headers {
  const headers = new Headers();
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i] as string, raw[i + 1] as string);
  return headers;
}

function sendInformational(res: http.ServerResponse, status: number, fields: FieldList): void {
  if (res.headersSent) return;
  // node:http can send only these 1xx; the others have no HTTP/1.1 use a handler needs.
  if (status === 103)
    res.writeEarlyHints({ link: fields.filter((f) => f.name === 'link').map((f) => f.value) });
  else if (status === 102) res.writeProcessing();
  else if (status === 100) res.writeContinue();
}

/**
 * Writes a Fetch Response to a node:http response. The body is read one chunk at a time and the
 * next read waits for 'drain' whenever `write` reports a full buffer, so a client that stops
 * reading stops the body. Trailers (from `withTrailers`) go out with chunked encoding only, the
 * one HTTP/1.1 framing that can carry them (RFC 9112 §7.1.2).
 *
 * @example
 * await writeNodeResponse(res, new Response('hello'), 'GET');
 */
export async function writeNodeResponse(
  res: http.ServerResponse,
  response: Response,
  method: string,
): Promise<void> {
  // The parts HTTP/2 sends too: an untouched lazy Response is read from its arguments, with no
  // ReadableStream built; a body that must not be sent (HEAD, 204, 304) is already cancelled.
  const { status, fields, body, trailers } = responseParts(response, method);
  if (res.destroyed) {
    if (body instanceof ReadableStream) body.cancel().catch(ignore);
    return;
  }
  const flat: string[] = [];
  for (const f of fields) flat.push(f.name, f.value);
  res.writeHead(status, flat);
  if (typeof body === 'string' || body instanceof Uint8Array) res.write(body);
  else if (body instanceof ReadableStream) {
    const reader = (body as ReadableStream<Uint8Array>).getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (res.destroyed) throw new Error('client gone');
        if (!res.write(value)) await drained(res);
      }
    } catch {
      reader.cancel().catch(ignore);
      res.destroy();
      return;
    }
  }
  if (trailers !== undefined && !res.hasHeader('content-length')) {
    try {
      const t = await trailers;
      res.addTrailers(t.map((f) => [f.name, f.value] as [string, string]));
    } catch {
      res.destroy();
      return;
    }
  }
  res.end();
}

function drained(res: http.ServerResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = (): void => {
      res.removeListener('close', onClose);
      resolve();
    };
    const onClose = (): void => {
      res.removeListener('drain', onDrain);
      reject(new Error('client gone'));
    };
    res.once('drain', onDrain);
    res.once('close', onClose);
  });
}

/** Options of the HTTP/1.1 fallback server. */
export interface Http1Options {
  /** Close a kept-alive connection after this long without a request. Default 5 s (node:http). */
  readonly keepAliveTimeoutMs?: number;
  /** True while the server shuts down: responses then carry `connection: close` (RFC 9112 §9.6). */
  readonly draining?: () => boolean;
  /** Where the WebSockets it upgrades to are tracked, for the server's shutdown (1001). */
  readonly openSockets?: OpenWebSockets;
}

/**
 * A node:http server (never listening itself: the listeners hand it sockets with
 * `emit('connection', socket)`) that turns each request into a Fetch Request for `sink` and
 * writes the reply back.
 *
 * @example
 * const h1 = createHttp1Server(handlerSink(app.fetch));
 * net.createServer((socket) => h1.emit('connection', socket)).listen(8080);
 */
export function createHttp1Server(sink: RequestSink, options: Http1Options = {}): http.Server {
  const server = http.createServer((req, res) => {
    let request: Request;
    try {
      request = requestFromIncoming(req, res);
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('Bad Request');
      return;
    }
    const method = request.method;
    sink(request, (response) => {
      if (options.draining?.() === true) res.shouldKeepAlive = false;
      writeNodeResponse(res, response, method).catch(() => res.destroy());
    });
  });
  // Requests with Upgrade (WebSocket, RFC 6455 §4) get the socket: see websocket/http1-upgrade.ts.
  server.on('upgrade', (req, socket, head) => handleUpgrade(sink, req, socket, head, options.openSockets));
  if (options.keepAliveTimeoutMs !== undefined) server.keepAliveTimeout = options.keepAliveTimeoutMs;
  return server;
}

function ignore(): void {}
