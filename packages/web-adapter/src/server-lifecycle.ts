import type { Server as NetServer, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TlsOptions } from 'node:tls';
import {
  defaultReportError,
  type ReportError,
  type ServerConnectionOptions,
  type ServerExchange,
  serverConnection,
} from '@h2tubes/h2-flow';
import { Link, NO_OUTPUT, Relay } from '@h2tubes/tubes';
import type { Observable } from 'rxjs';
import { createHttp1Server } from './http1-fallback.js';
import { asListenError } from './listen-error.js';
import { listenCleartext, listenTls, type SocketHandoff } from './listeners.js';
import { requestFromExchange } from './request-from-exchange.js';
import type { RequestSink } from './request-sink.js';
import { respondToExchange } from './response-to-exchange.js';
import { OpenWebSockets } from './websocket/open-websockets.js';
import { answerH2Upgrade } from './websocket/upgrade-websocket.js';

/**
 * Options handed to `serverConnection` of `@h2tubes/h2-flow` (settings, limits, stages, ...); the
 * adapter fills in `idleTimeoutMs`, `keepaliveIntervalMs` and `onError` from its own options unless
 * given here, and `gracefulClose` always.
 */
export type H2ConnectionOptions = Omit<ServerConnectionOptions, 'gracefulClose'>;

/**
 * Starts the HTTP/2 server side of a connection on an accepted socket: the signature of
 * `serverConnection` in `@h2tubes/h2-flow`. Injectable for tests and for custom stacks.
 */
export type AcceptH2 = (socket: Duplex, options: ServerConnectionOptions) => Observable<ServerExchange>;

/** Options shared by `serve` and `serveRx`. Every field is optional. */
export interface ServerOptions {
  /** Interface to bind. Default '127.0.0.1' (a development default: pass '0.0.0.0' or '::' to expose). */
  readonly hostname?: string;
  /** The main port: TLS when `tls` is set, cleartext otherwise. Default 0 (a free port; read `server.port`). */
  readonly port?: number;
  /** Certificate and key (node:tls options). With them the main port speaks TLS with ALPN h2 / http/1.1. */
  readonly tls?: TlsOptions;
  /** With `tls`: also listen for cleartext (h2c prior knowledge + HTTP/1.1) on this port (0 = free port). */
  readonly h2cPort?: number;
  /** Serve HTTP/1.1 clients through node:http on the same ports. Default true. */
  readonly http1?: boolean;
  /** Passed to `serverConnection` (settings, limits). */
  readonly connection?: H2ConnectionOptions;
  /** `close()` lets in-flight requests finish for this long, then cuts the rest. Default 10 s. */
  readonly gracefulTimeoutMs?: number;
  /** Graceful GOAWAY (HTTP/2) / close (HTTP/1.1) after this long without requests. Default 5 min. */
  readonly idleTimeoutMs?: number;
  /** Send an HTTP/2 PING after this much silence from the peer (RFC 9113 §6.7); 0 = off. Default 0. */
  readonly keepaliveIntervalMs?: number;
  /** Aborting it closes the server gracefully, like `close()`. */
  readonly signal?: AbortSignal;
  /**
   * Where failures that the wire answer alone does not explain are reported: a response body that
   * threw (the peer sees RST_STREAM INTERNAL_ERROR), a response HTTP/2 cannot carry (the peer
   * gets a 500). Default: one `console.error` line per failure.
   */
  readonly reportError?: ReportError;
  /** A connection that ended with an error (a peer breaking the protocol). Default: ignored. */
  readonly onConnectionError?: (error: unknown) => void;
  /** The HTTP/2 stack; default `serverConnection` from `@h2tubes/h2-flow`. For tests and custom stacks. */
  readonly acceptH2?: AcceptH2;
}

/** One bound address. */
export interface ServerAddress {
  readonly protocol: 'https' | 'http';
  readonly hostname: string;
  readonly port: number;
  /** `https://127.0.0.1:8443/` */
  readonly url: string;
}

/** A running server. */
export interface Server {
  /** The main address (TLS when `tls` was given). */
  readonly hostname: string;
  readonly port: number;
  readonly url: string;
  /** Every bound address: the main one first, then the h2c one if any. */
  readonly addresses: readonly ServerAddress[];
  /**
   * Graceful shutdown: stop accepting, send GOAWAY (RFC 9113 §6.8) on HTTP/2 connections and
   * `connection: close` on HTTP/1.1 ones, start the close handshake of every WebSocket with 1001
   * Going Away (RFC 6455 §7.4.1), let in-flight requests and close handshakes finish within
   * `timeoutMs` (default `gracefulTimeoutMs`), then close what is left. Resolves when all is closed.
   */
  close(timeoutMs?: number): Promise<void>;
  /** Resolves once the server is fully closed. */
  readonly closed: Promise<void>;
}

const DEFAULT_GRACEFUL_TIMEOUT_MS = 10_000;
const DEFAULT_IDLE_TIMEOUT_MS = 300_000;

/**
 * Binds the listeners and routes every request, HTTP/2 or HTTP/1.1, to `sink`. The engine under
 * `serve` and `serveRx`. Errors of one connection stay in that connection.
 *
 * @example
 * const server = await startServer((request, reply) => reply(new Response('ok')), { port: 0 });
 */
export async function startServer(sink: RequestSink, options: ServerOptions = {}): Promise<Server> {
  const hostname = options.hostname ?? '127.0.0.1';
  const acceptH2 = options.acceptH2 ?? serverConnection;
  const reportError = options.reportError ?? defaultReportError;
  const gracefulTimeoutMs = options.gracefulTimeoutMs ?? DEFAULT_GRACEFUL_TIMEOUT_MS;
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  // A Relay, not a Subject: each connection's subscription is a small handle, where a Subject's
  // is a Subscription with a closure and its context (~230 B per idle connection).
  const gracefulClose = new Relay<void>();
  const connectionOptions: ServerConnectionOptions = {
    idleTimeoutMs,
    keepaliveIntervalMs: options.keepaliveIntervalMs ?? 0,
    onError: reportError,
    ...options.connection,
    gracefulClose,
  };
  const sockets = new Set<Duplex>();
  /** Per HTTP/1.1 socket: requests in flight, so that close() can end idle sockets at once. */
  const inFlight = new WeakMap<Duplex, number>();
  /** Every WebSocket either transport opened: close() sends each a Close with 1001. */
  const openSockets = new OpenWebSockets();
  let closing = false;

  // One listener for every socket ('close' comes once; the emitter is `this`), not a closure each.
  function untrack(this: Duplex): void {
    sockets.delete(this);
    if (closing) checkDrained();
  }
  const track = (socket: Duplex): boolean => {
    if (closing) {
      socket.destroy();
      return false;
    }
    sockets.add(socket);
    socket.on('close', untrack);
    return true;
  };

  const http1Server =
    options.http1 === false
      ? undefined
      : createHttp1Server(sink, {
          keepAliveTimeoutMs: Math.min(idleTimeoutMs, 5_000),
          draining: () => closing,
          openSockets,
        });
  // A socket handed to the 'upgrade' listener is never an idle HTTP/1.1 connection again: it
  // becomes a WebSocket, which goes away with its close handshake, or carries a refusal and ends.
  http1Server?.on('upgrade', (_req: unknown, socket: Duplex) => inFlight.set(socket, 1));
  http1Server?.on('request', (req: { socket: Socket }, res: NodeJS.EventEmitter) => {
    const socket = req.socket;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    res.once('close', () => {
      const n = (inFlight.get(socket) ?? 1) - 1;
      inFlight.set(socket, n);
      if (closing && n === 0) socket.destroy();
    });
  });

  const dispatch: ExchangeDispatch = {
    exchange: (exchange) => dispatchExchange(exchange, sink, reportError, openSockets),
    connectionError: (e) => options.onConnectionError?.(e),
  };
  const handoff: SocketHandoff = {
    http2: (socket) => {
      if (!track(socket)) return;
      try {
        acceptH2(socket, connectionOptions).subscribe(new ConnectionExchanges(socket, dispatch));
      } catch (e) {
        options.onConnectionError?.(e);
        socket.destroy();
      }
    },
    http1:
      http1Server === undefined
        ? undefined
        : (socket) => {
            if (!track(socket)) return;
            inFlight.set(socket, 0);
            http1Server.emit('connection', socket);
          },
  };

  const listeners: NetServer[] = [];
  const addresses: ServerAddress[] = [];
  const add = (server: NetServer, protocol: 'https' | 'http'): void => {
    listeners.push(server);
    const port = (server.address() as { port: number }).port;
    addresses.push({ protocol, hostname, port, url: `${protocol}://${urlHost(hostname)}:${port}/` });
  };
  /** The port being bound, for the error if binding it fails. */
  let binding = options.port ?? 0;
  try {
    if (options.tls !== undefined) {
      add(await listenTls({ hostname, port: binding }, options.tls, handoff), 'https');
      if (options.h2cPort !== undefined) {
        binding = options.h2cPort;
        add(await listenCleartext({ hostname, port: binding }, handoff), 'http');
      }
    } else {
      add(await listenCleartext({ hostname, port: binding }, handoff), 'http');
    }
  } catch (e) {
    // Close what is already bound and only then reject: the caller may exit or retry at once,
    // and no listener is left behind to hold a port or fail later with nobody listening.
    await Promise.all(listeners.map((l) => new Promise((resolve) => l.close(resolve))));
    throw asListenError(e, hostname, binding) ?? e;
  }

  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  let cutTimer: NodeJS.Timeout | undefined;
  function checkDrained(): void {
    if (sockets.size > 0) return;
    if (cutTimer !== undefined) clearTimeout(cutTimer);
    resolveClosed();
  }
  const close = (timeoutMs = gracefulTimeoutMs): Promise<void> => {
    if (closing) return closed;
    closing = true;
    for (const l of listeners) l.close();
    // RFC 6455 §7.4.1: a server going down closes its WebSockets with 1001. Over HTTP/2 each
    // stream ends after the handshake and the connection with its last stream (below); over
    // HTTP/1.1 the server ends the TCP connection after it (§7.1.1) or at the closing timeout.
    openSockets.goAway();
    // RFC 9113 §6.8: each HTTP/2 connection sends GOAWAY and ends once its streams are done.
    gracefulClose.next();
    gracefulClose.complete();
    for (const socket of sockets) {
      if (inFlight.get(socket) === 0) socket.destroy(); // an idle HTTP/1.1 connection
    }
    cutTimer = setTimeout(() => {
      for (const socket of sockets) socket.destroy();
    }, timeoutMs);
    cutTimer.unref();
    checkDrained();
    return closed;
  };
  options.signal?.addEventListener('abort', () => void close(), { once: true });

  const main = addresses[0] as ServerAddress;
  return { hostname, port: main.port, url: main.url, addresses, close, closed };
}

function urlHost(hostname: string): string {
  return hostname.includes(':') ? `[${hostname}]` : hostname;
}

/** What the server does with each connection's exchanges and failure. */
interface ExchangeDispatch {
  readonly exchange: (exchange: ServerExchange) => void;
  readonly connectionError: (e: unknown) => void;
}

/**
 * The subscriber of one HTTP/2 connection's exchanges: a subclass holding the socket, not an
 * observer object with three closures per connection (a server holds thousands of idle ones). A
 * `Link`, so that the exchanges link above it and the connection's teardown are kept in its
 * fields, not in a finalizer array (~180 B).
 */
class ConnectionExchanges extends Link<ServerExchange, never> {
  constructor(
    private readonly socket: Duplex,
    private readonly dispatch: ExchangeDispatch,
  ) {
    super(NO_OUTPUT);
  }

  protected override _next(exchange: ServerExchange): void {
    try {
      this.dispatch.exchange(exchange);
    } catch (thrown) {
      rethrowLater(thrown);
    }
  }

  protected override _error(e: unknown): void {
    this.unsubscribe();
    try {
      this.dispatch.connectionError(e);
    } catch (thrown) {
      rethrowLater(thrown);
    }
    this.socket.destroy();
  }

  /**
   * The connection ended: the stack has written its GOAWAY and ended the write side, and reads
   * and discards a while so the GOAWAY arrives (RFC 9113 §5.4.1); destroying now could answer
   * unread input with a TCP RST that overtakes it. A stack that left the socket open is cut here.
   */
  protected override _complete(): void {
    this.unsubscribe();
    if (!this.socket.writableEnded) this.socket.destroy();
  }
}

/** A throw from our callbacks is not the connection's: reported as RxJS reports an observer's throw. */
function rethrowLater(e: unknown): void {
  setTimeout(() => {
    throw e;
  });
}

/** Turns one exchange into a Request for the sink and its reply into the HTTP/2 response. */
function dispatchExchange(
  exchange: ServerExchange,
  sink: RequestSink,
  reportError: ReportError,
  openSockets: OpenWebSockets,
): void {
  let request: Request;
  try {
    request = requestFromExchange(exchange, openSockets);
  } catch {
    // RFC 9110 §15.5.1: a target that does not form a URL is the client's fault.
    safely(() => exchange.respond(400, [{ name: 'content-type', value: 'text/plain' }], 'Bad Request'));
    return;
  }
  const method = exchange.method;
  sink(request, (response) => {
    try {
      if (!answerH2Upgrade(exchange, request, response)) respondToExchange(exchange, response, method);
    } catch (e) {
      response.body?.cancel().catch(ignore);
      if (exchange.signal.aborted) return; // the stream or the connection is gone: nobody to answer
      // The handler's response cannot go out as it is (fields HTTP/2 forbids, RFC 9113 §8.2.2):
      // answer 500 instead of leaving the stream hanging, and reset it if even that fails.
      reportError(e, { streamId: exchange.streamId, what: `the response to ${method} ${exchange.path}` });
      if (!safely(() => exchange.respond(500, []))) safely(() => exchange.reset('INTERNAL_ERROR'));
    }
  });
}

/** Runs `f`; false if it threw (the stream was already reset or the connection gone). */
function safely(f: () => void): boolean {
  try {
    f();
    return true;
  } catch {
    return false;
  }
}

function ignore(): void {}
