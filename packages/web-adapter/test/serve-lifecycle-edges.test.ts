import { execFile } from 'node:child_process';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { asListenError, ListenError } from '../src/listen-error.js';
import { serve } from '../src/serve.js';
import { serveRx } from '../src/serve-rx.js';
import type { Server } from '../src/server-lifecycle.js';
import { rawConnect } from './raw-http1.js';

let server: Server | undefined;
afterEach(async () => {
  await server?.close(100);
  server = undefined;
  vi.restoreAllMocks();
});

const PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';

function get(
  url: string,
  path = '/',
  settings: http2.Settings = {},
): Promise<{ status: number; body: string; headers: http2.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url, { settings });
    session.on('error', reject);
    const stream = session.request({ ':path': path });
    let headers: http2.IncomingHttpHeaders = {};
    stream.on('response', (h) => {
      headers = h;
    });
    stream.setEncoding('utf8');
    let body = '';
    stream.on('data', (c: string) => {
      body += c;
    });
    stream.on('end', () => {
      session.close();
      resolve({ status: Number(headers[':status']), body, headers });
    });
    stream.on('error', reject);
  });
}

/** Resolves when the peer closed the socket, with what it sent before. */
function closedWith(socket: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    socket.on('data', (c: Buffer) => {
      got += c.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve(got));
  });
}

describe('addresses', () => {
  it('serves on an IPv6 address and brackets it in the URL (RFC 3986 §3.2.2), to curl', async () => {
    server = await serve((r) => new Response(new URL(r.url).host), { hostname: '::1' });
    expect(server.url).toBe(`http://[::1]:${server.port}/`);
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        'curl',
        ['-s', '--http2-prior-knowledge', '-w', ' %{http_version}', server?.url ?? ''],
        (e, o) => (e === null ? resolve(o) : reject(e)),
      ),
    );
    expect(out).toBe(`[::1]:${server.port} 2`);
  });

  it('answers 400 to an :authority that is an unbracketed IPv6 address (node:http2 sends one)', async () => {
    server = await serve(() => new Response('not reached'), { hostname: '::1' });
    const got = await get(server.url);
    expect(got.status).toBe(400);
    expect(got.body).toBe('Bad Request');
  });

  it('names an IPv6 address taken by someone else as [::1]:port, with the system error as cause', async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '::1', r));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const e = await serve(() => new Response(), { hostname: '::1', port }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ListenError);
      const le = e as ListenError;
      expect(le.message).toBe(`cannot listen on [::1]:${port}: the port is already in use (EADDRINUSE)`);
      expect(le.address).toBe(`[::1]:${port}`);
      expect((le.cause as NodeJS.ErrnoException).code).toBe('EADDRINUSE');
    } finally {
      await new Promise((r) => taken.close(r));
    }
  });

  it('rejects with node:tls’s own error (not a ListenError) when the TLS options are refused', async () => {
    const e = await serve(() => new Response(), { tls: { cert: 'not a pem', key: 'not a pem' } }).catch(
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(Error);
    expect(e).not.toBeInstanceOf(ListenError);
  });
});

describe('asListenError', () => {
  it('keeps a ListenError, passes over errors that are not a failed listen, and explains unknown codes', () => {
    const le = new ListenError('h', 1, 'EADDRINUSE');
    expect(asListenError(le, 'x', 2)).toBe(le);
    expect(asListenError(new Error('no code'), 'h', 1)).toBeUndefined();
    expect(asListenError(undefined, 'h', 1)).toBeUndefined();
    expect(
      asListenError(Object.assign(new Error('x'), { code: 'ECONNREFUSED', syscall: 'connect' }), 'h', 1),
    ).toBe(undefined);
    const weird = Object.assign(new Error('something odd'), { code: 'EWEIRD', syscall: 'bind' });
    expect(asListenError(weird, 'h', 8)?.message).toBe('cannot listen on h:8: something odd (EWEIRD)');
    const resolve = { code: 'EAI_AGAIN', syscall: 'getaddrinfo' };
    expect(asListenError(resolve, 'example.invalid', 8)?.message).toBe(
      'cannot listen on example.invalid:8: the host name could not be resolved (EAI_AGAIN)',
    );
    expect(new ListenError('h', 9, 'EODD', 'not an Error').message).toBe(
      'cannot listen on h:9: failed (EODD)',
    );
  });
});

describe('close()', () => {
  it('returns the same promise when called twice', async () => {
    server = await serve(() => new Response('x'));
    const a = server.close(100);
    const b = server.close(100);
    expect(b).toBe(a);
    await a;
  });

  it('aborting the signal option closes the server as close() does: closed resolves, the port refuses', async () => {
    const abort = new AbortController();
    const s = await serve(() => new Response('x'), { signal: abort.signal });
    expect((await get(s.url)).body).toBe('x');
    abort.abort();
    await s.closed;
    const refused = await new Promise<unknown>((resolve) => {
      const socket = net.connect(s.port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(undefined);
      });
      socket.once('error', resolve);
    });
    expect(refused).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('drops a connection whose protocol became known only after close() began (HTTP/2 and HTTP/1.1)', async () => {
    server = await serve(() => new Response('x'));
    const h2 = await rawConnect(server.port);
    const h1 = await rawConnect(server.port);
    // Accepted, still being sniffed (a first byte that could start either protocol).
    h2.write('P');
    h1.write('G');
    await new Promise((r) => setTimeout(r, 50));
    const h2Closed = closedWith(h2);
    const h1Closed = closedWith(h1);
    const closing = server.close(5_000);
    h2.write(PREFACE.slice(1));
    h1.write('ET / HTTP/1.1\r\nHost: h\r\n\r\n');
    // Nothing is served on them: no SETTINGS, no HTTP/1.1 response.
    expect(await h2Closed).toBe('');
    expect(await h1Closed).toBe('');
    await closing;
    server = undefined;
  });
});

describe('a handler that fails (callHandler)', () => {
  it('answers 500 and reports a handler that resolves to something other than a Response', async () => {
    const reportError = vi.fn();
    server = await serve((() => Promise.resolve('just a string')) as unknown as () => Response, {
      reportError,
    });
    const got = await get(server.url, '/p');
    expect(got.status).toBe(500);
    expect(got.body).toBe('Internal Server Error');
    expect(reportError).toHaveBeenCalledTimes(1);
    expect(String(reportError.mock.calls[0]?.[0])).toBe('TypeError: handler did not return a Response');
    expect(reportError.mock.calls[0]?.[1]).toEqual({ what: `the handler of GET ${server.url}p` });
  });

  it('sends the Response onError returns, and 500 when onError throws or returns nothing', async () => {
    const reportError = vi.fn();
    server = await serve(
      (r) => {
        throw new Error(new URL(r.url).pathname);
      },
      {
        reportError,
        onError: (e) => {
          const why = (e as Error).message;
          if (why === '/teapot') return new Response('short and stout', { status: 418 });
          if (why === '/throws') throw new Error('the hook failed too');
          return undefined;
        },
      },
    );
    const teapot = await get(server.url, '/teapot');
    expect([teapot.status, teapot.body]).toEqual([418, 'short and stout']);
    const throws = await get(server.url, '/throws');
    expect([throws.status, throws.body]).toEqual([500, 'Internal Server Error']);
    const nothing = await get(server.url, '/nothing');
    expect([nothing.status, nothing.body]).toEqual([500, 'Internal Server Error']);
    // With onError given, onError is the report.
    expect(reportError).not.toHaveBeenCalled();
  });
});

describe('a response that cannot be sent', () => {
  it('answers 500 and reports when serveRx is answered with something that is not a Response', async () => {
    const reportError = vi.fn();
    let listening!: (s: Server) => void;
    const ready = new Promise<Server>((r) => {
      listening = r;
    });
    const subscription = serveRx({ reportError, onListening: (s) => listening(s) }).subscribe(({ respond }) =>
      respond('plain text' as unknown as Response),
    );
    const s = await ready;
    try {
      const got = await get(s.url, '/oops');
      expect(got.status).toBe(500);
      expect(got.body).toBe('');
      expect(reportError).toHaveBeenCalledTimes(1);
      expect(reportError.mock.calls[0]?.[1]).toMatchObject({ what: 'the response to GET /oops' });
    } finally {
      subscription.unsubscribe();
      await s.closed;
    }
  });
});

describe('serveRx', () => {
  it('takes only the first answer to an exchange', async () => {
    let listening!: (s: Server) => void;
    const ready = new Promise<Server>((r) => {
      listening = r;
    });
    const subscription = serveRx({ onListening: (s) => listening(s) }).subscribe(({ respond }) => {
      respond(new Response('first'));
      respond(new Response('second'));
    });
    const s = await ready;
    try {
      const got = await get(s.url);
      expect(got.body).toBe('first');
    } finally {
      subscription.unsubscribe();
      await s.closed;
    }
  });

  it('closes the server it was still binding when unsubscribed before listening', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const onListening = vi.fn();
    serveRx({ port, onListening }).subscribe().unsubscribe();
    // The port is bound, then released again: a server can bind it once serveRx let go.
    let free = false;
    for (let i = 0; i < 100 && !free; i++) {
      await new Promise((r) => setTimeout(r, 20));
      free = await new Promise<boolean>((resolve) => {
        const again = net.createServer();
        again.once('error', () => resolve(false));
        again.listen(port, '127.0.0.1', () => again.close(() => resolve(true)));
      });
    }
    expect(free).toBe(true);
    expect(onListening).not.toHaveBeenCalled();
  });

  it('errors with the ListenError when the port is taken', async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      await expect(firstValueFrom(serveRx({ port }))).rejects.toBeInstanceOf(ListenError);
    } finally {
      await new Promise((r) => taken.close(r));
    }
  });
});
