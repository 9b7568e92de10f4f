import type { FetchHandler, HandlerErrorHook } from './fetch-handler.js';
import { replaceGlobalResponse } from './global-response.js';
import { handlerSink } from './request-sink.js';
import { type Server, type ServerOptions, startServer } from './server-lifecycle.js';

/** Options of `serve`: the server options plus what to do with a failing handler. */
export interface ServeOptions extends ServerOptions {
  /** Replaces the default answer (500, reported through `reportError`) to a handler that throws. */
  readonly onError?: HandlerErrorHook;
  /**
   * Whether to put `LazyGlobalResponse` (FastResponse's lazy class, see `replaceGlobalResponse`)
   * in place of the global `Response`, so that `new Response(...)` in a handler costs what a
   * FastResponse does. Default true; false keeps the runtime's own class.
   */
  readonly replaceGlobalResponse?: boolean;
}

/**
 * Serves a Fetch handler — the shape of Hono's `app.fetch`, srvx, Deno.serve and Bun.serve — over
 * HTTP/2 (h2c with prior knowledge, or TLS with ALPN h2) and HTTP/1.1 on the same port.
 * Request bodies are ReadableStreams pulled from the stream's flow-control window; response
 * bodies are pulled only as the windows and the socket allow. A handler that throws answers 500.
 * Unless told `replaceGlobalResponse: false`, the global `Response` becomes a lazy class with the
 * same behaviour (`LazyGlobalResponse`): on Node 20 a Response with a body otherwise costs ~35 µs.
 * Resolves once listening; rejects with a `ListenError` (address, port, code) when a port cannot
 * be bound, after closing any listener it had already opened.
 *
 * @example
 * const server = await serve((request) => new Response('hello'), { port: 8080 });
 * console.log(server.url); // http://127.0.0.1:8080/
 * process.once('SIGTERM', () => server.close());
 */
export function serve(handler: FetchHandler, options: ServeOptions = {}): Promise<Server> {
  if (options.replaceGlobalResponse !== false) replaceGlobalResponse();
  // RFC 8441 §3: announce extended CONNECT, so browsers open WebSockets over HTTP/2 (upgradeWebSocket).
  const connection = { enableConnectProtocol: true, ...options.connection };
  return startServer(handlerSink(handler, options.onError, options.reportError), { ...options, connection });
}
