import net from 'node:net';
import tls from 'node:tls';
import {
  type ClientSession,
  clientConnection,
  type SessionOptions,
  type StreamResetError,
} from '@h2tubes/h2-flow';
import { firstValueFrom, type Observable } from 'rxjs';
import { observeFetch } from './fetch-observable.js';
import { outgoingRequest } from './outgoing-request.js';
import { bodyStream } from './request-from-exchange.js';

/** Options of `connect`. */
export interface ConnectOptions {
  /** node:tls options for https origins (e.g. `ca` for a development certificate). */
  readonly tls?: tls.ConnectionOptions;
  /** Settings and limits of the HTTP/2 connection. */
  readonly connection?: SessionOptions;
}

/** What a default reader's `read()` of an `H2ResponseBody` resolves to. */
type BodyRead = { done: false; value: Uint8Array } | { done: true; value?: undefined };

/**
 * The body of an `H2Response`: the Fetch ReadableStream, also typed as the AsyncIterable it is at
 * run time on Node, and with a `getReader()` whose reads rxjs' `from` can type. TypeScript's DOM
 * ReadableStream (a `getReader({ mode: 'byob' })` overload first) is not an `ObservableInput`, so
 * `from(res.body!)` on a plain Response does not type-check; on this one it is an
 * `Observable<Uint8Array>`.
 */
export type H2ResponseBody = NonNullable<Response['body']> &
  AsyncIterable<Uint8Array> & {
    getReader(): Omit<ReadableStreamDefaultReader<Uint8Array>, 'read'> & { read(): Promise<BodyRead> };
  };

/** The `Response` of `H2Client.fetch`; its body is null after HEAD, 204 and 304. */
export interface H2Response extends Response {
  readonly body: H2ResponseBody | null;
}

/** HTTP/2 connections to one origin with a Fetch-shaped API. */
export interface H2Client {
  /**
   * Sends a request over the shared connection and resolves with a standard `Response` whose body
   * streams with backpressure (credit goes back to the server only as the body is read).
   */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<H2Response>;
  /**
   * The Rx form of `fetch` (see `observeFetch`): sent on subscribe, the Response emitted once,
   * unsubscribing before the response resets the stream.
   */
  request(input: string | URL | Request, init?: RequestInit): Observable<H2Response>;
  /**
   * Graceful GOAWAY on every connection: open requests may finish within `graceMs` (default
   * 10 s); then the connections are cut (GOAWAY CANCEL) and what is left fails. Resolves when
   * they are closed.
   */
  close(graceMs?: number): Promise<void>;
  /**
   * The HTTP/2 session in use (its `request()` speaks h2-flow's field lists and bodies). After
   * the server's GOAWAY the next request opens a new connection, and this is then that one.
   */
  readonly session: ClientSession;
}

/** RFC 9110 §9.2.1 safe methods: sending one again cannot change anything on the server. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);
/** Attempts on fresh connections after a retryable failure, beyond the first. */
const MAX_RETRIES = 2;

/**
 * Opens an HTTP/2 connection to `origin`: `http:` is h2c with prior knowledge, `https:` is TLS
 * with ALPN `h2` (RFC 9113 §3.2, §3.3). Concurrent `fetch` calls are multiplexed on it; requests
 * beyond the server's SETTINGS_MAX_CONCURRENT_STREAMS wait for a slot, and REFUSED_STREAM is
 * retried by the connection core. Once the server sends GOAWAY, new requests go to a new
 * connection; a safe request the server did not process (above the GOAWAY's last-stream-id, or
 * still refused) is sent again there (RFC 9113 §8.7).
 *
 * @example
 * const client = await connect('http://127.0.0.1:8080');
 * const res = await client.fetch('/api/time');
 * console.log(await res.json());
 * await client.close();
 */
export async function connect(origin: string | URL, options: ConnectOptions = {}): Promise<H2Client> {
  const url = new URL(origin);
  const scheme = url.protocol.slice(0, -1);
  const authority = url.host;
  const sessions = new Set<ClientSession>();
  /** Sessions whose h2c server answered with an HTTP/1.x status line (that line). */
  const http1Answers = new WeakMap<ClientSession, string>();
  const open = async (): Promise<ClientSession> => {
    const socket = await openSocket(url, options.tls);
    socket.on('error', () => {}); // surfaced through the session
    const s = clientConnection(socket, options.connection);
    if (url.protocol === 'http:') watchForHttp1Answer(socket, (line) => http1Answers.set(s, line));
    sessions.add(s);
    void s.closed.then(() => sessions.delete(s));
    return s;
  };
  let live = await open();
  let opening: Promise<ClientSession> | undefined;
  /** The live session while it takes requests; else one new connection shared by all callers. */
  const usable = (): Promise<ClientSession> => {
    if (live.accepting) return Promise.resolve(live);
    opening ??= open().then(
      (s) => {
        live = s;
        opening = undefined;
        return s;
      },
      (e: unknown) => {
        opening = undefined;
        throw e;
      },
    );
    return opening;
  };

  const client: H2Client = {
    get session() {
      return live;
    },
    request: (input, init) => observeFetch(client.fetch, input, init),
    async fetch(input, init) {
      const request = outgoingRequest(input, init, url);
      const target = request.url;
      if (target.origin !== url.origin)
        throw new TypeError(`this client is connected to ${url.origin}, not ${target.origin}`);
      // A body stream can be sent once; only body-less safe requests are replayed.
      const replayable = SAFE_METHODS.has(request.method) && request.body === undefined;
      for (let attempt = 0; ; attempt++) {
        const session = await usable();
        try {
          const res = await firstValueFrom(
            session.request({
              method: request.method,
              scheme,
              authority,
              path: target.pathname + target.search,
              fields: request.fields,
              body: request.body,
              // The caller's signal, not the one every undici Request carries: no abort listener
              // per request unless someone can abort it.
              signal: init?.signal ?? (input instanceof Request ? input.signal : undefined),
            }),
          );
          const headers = new Headers();
          for (const f of res.fields) if (f.name.charCodeAt(0) !== 0x3a) headers.append(f.name, f.value);
          const noBody = request.method === 'HEAD' || res.status === 204 || res.status === 304;
          // Node's ReadableStream is async iterable (see H2Response).
          return new Response(noBody ? null : bodyStream(res.body), {
            status: res.status,
            headers,
          }) as H2Response;
        } catch (e) {
          const http1 = http1Answers.get(session);
          if (http1 !== undefined)
            throw new Error(
              `${url.origin} answered with HTTP/1.1 ("${http1}"): it does not accept HTTP/2 with prior knowledge (h2c); use its https:// origin if it offers h2 there, or an HTTP/1.1 client`,
              { cause: e },
            );
          if (!(replayable && attempt < MAX_RETRIES && isRetryable(e))) throw e;
        }
      }
    },
    close: async (graceMs = 10_000) => {
      const all = [...sessions];
      for (const s of all) s.close();
      const cut = setTimeout(() => {
        for (const s of all) s.abort('CANCEL', 'client closing');
      }, graceMs);
      await Promise.all(all.map((s) => s.closed));
      clearTimeout(cut);
    },
  };
  return client;
}

/**
 * RFC 9113 §3.3: a cleartext server that does not speak HTTP/2 with prior knowledge reads our
 * preface (`PRI * HTTP/2.0`) as an HTTP/1.1 request and answers with a status line, which to the
 * HTTP/2 parser is only a broken frame. Looks at the first bytes received (beside the session's
 * own 'data' listener, which keeps controlling the flow) and reports such a status line.
 */
function watchForHttp1Answer(socket: net.Socket, onHttp1: (statusLine: string) => void): void {
  const onData = (chunk: Buffer): void => {
    socket.off('data', onData);
    const head = chunk.subarray(0, 200).toString('latin1');
    if (head.startsWith('HTTP/1.')) onHttp1(head.split(/\r?\n/, 1)[0] as string); // split gives one part at least
  };
  socket.on('data', onData);
}

/** True for failures the server guarantees it did not process (`StreamResetError.retryable`). */
function isRetryable(e: unknown): boolean {
  return (e as Partial<StreamResetError> | undefined)?.retryable === true;
}

/** A connected socket to the origin: TCP for h2c, TLS that negotiated ALPN `h2` for https. */
function openSocket(url: URL, tlsOptions: tls.ConnectionOptions | undefined): Promise<net.Socket> {
  const secure = url.protocol === 'https:';
  const port = Number(url.port || (secure ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise<net.Socket>((resolve, reject) => {
    if (!secure) {
      const s = net.connect({ host, port }, () => resolve(s));
      s.once('error', reject);
      return;
    }
    const s = tls.connect(
      {
        host,
        port,
        servername: net.isIP(host) ? undefined : host,
        ALPNProtocols: ['h2'],
        ...tlsOptions,
      },
      () => {
        if (s.alpnProtocol === 'h2') return resolve(s);
        s.destroy();
        reject(new Error(`${url.origin} did not negotiate h2 with ALPN (got ${String(s.alpnProtocol)})`));
      },
    );
    s.once('error', (e: NodeJS.ErrnoException) => {
      // RFC 7301 §3.2: a server that speaks none of the offered protocols (here only h2) answers
      // with the no_application_protocol alert; say what that means instead of OpenSSL's words.
      if (e.code === 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL')
        reject(new Error(`${url.origin} does not offer HTTP/2 (it refused ALPN h2)`, { cause: e }));
      else reject(e);
    });
  });
}
