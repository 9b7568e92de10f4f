import net from 'node:net';
import tls from 'node:tls';
import { type ClientSession, clientConnection, type SessionOptions } from '@h2tubes/h2-flow';
import { firstValueFrom } from 'rxjs';
import { headersToFields } from './field-conversion.js';
import { bodyStream } from './request-from-exchange.js';

/** Options of `connect`. */
export interface ConnectOptions {
  /** node:tls options for https origins (e.g. `ca` for a development certificate). */
  readonly tls?: tls.ConnectionOptions;
  /** Settings and limits of the HTTP/2 connection. */
  readonly connection?: SessionOptions;
}

/** One HTTP/2 connection to an origin with a Fetch-shaped API. */
export interface H2Client {
  /**
   * Sends a request over the shared connection and resolves with a standard `Response` whose body
   * streams with backpressure (credit goes back to the server only as the body is read).
   */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** Graceful GOAWAY; resolves when the connection is closed. */
  close(): Promise<void>;
  /** The Rx form: the underlying session (`request()` returns an Observable of the response). */
  readonly session: ClientSession;
}

/**
 * Opens one HTTP/2 connection to `origin`: `http:` is h2c with prior knowledge, `https:` is TLS
 * with ALPN `h2` (RFC 9113 §3.2, §3.3). Concurrent `fetch` calls are multiplexed on it; requests
 * beyond the server's SETTINGS_MAX_CONCURRENT_STREAMS wait for a slot, and REFUSED_STREAM is
 * retried by the connection core.
 *
 * @example
 * const client = await connect('http://127.0.0.1:8080');
 * const res = await client.fetch('/api/time');
 * console.log(await res.json());
 * await client.close();
 */
export async function connect(origin: string | URL, options: ConnectOptions = {}): Promise<H2Client> {
  const url = new URL(origin);
  const secure = url.protocol === 'https:';
  const port = Number(url.port || (secure ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const socket = await new Promise<net.Socket>((resolve, reject) => {
    if (!secure) {
      const s = net.connect({ host, port }, () => resolve(s));
      s.once('error', reject);
      return;
    }
    const options_ = {
      host,
      port,
      servername: net.isIP(host) ? undefined : host,
      ALPNProtocols: ['h2'],
      ...options.tls,
    };
    const s = tls.connect(options_, () => {
      if (s.alpnProtocol === 'h2') return resolve(s);
      s.destroy();
      reject(new Error(`${url.origin} did not negotiate h2 with ALPN (got ${String(s.alpnProtocol)})`));
    });
    s.once('error', reject);
  });
  socket.on('error', () => {}); // surfaced through the session
  const session = clientConnection(socket, options.connection);
  const authority = url.host;

  return {
    session,
    async fetch(input, init) {
      const request = new Request(new URL(input instanceof Request ? input.url : input, url), init);
      const target = new URL(request.url);
      if (target.origin !== url.origin)
        throw new TypeError(`this client is connected to ${url.origin}, not ${target.origin}`);
      const fields = headersToFields(request.headers).filter((f) => f.name !== 'host');
      const res = await firstValueFrom(
        session.request({
          method: request.method,
          scheme: url.protocol.slice(0, -1),
          authority,
          path: target.pathname + target.search,
          fields,
          body: request.body ?? undefined,
          signal: request.signal,
        }),
      );
      const headers = new Headers();
      for (const f of res.fields) if (f.name.charCodeAt(0) !== 0x3a) headers.append(f.name, f.value);
      const noBody = request.method === 'HEAD' || res.status === 204 || res.status === 304;
      return new Response(noBody ? null : bodyStream(res.body), { status: res.status, headers });
    },
    close: () => {
      session.close();
      return session.closed;
    },
  };
}
