import { mkdtemp, rm } from 'node:fs/promises';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { connect } from '../src/client.js';
import { devCertificate } from '../src/dev-certificate.js';
import { FastResponse } from '../src/fast-response.js';
import { createHttp1Server } from '../src/http1-fallback.js';
import { sniffPreface } from '../src/listeners.js';
import { requestTrailers } from '../src/request-context.js';
import { handlerSink } from '../src/request-sink.js';
import { serve } from '../src/serve.js';
import type { Server } from '../src/server-lifecycle.js';
import { rawConnect, rawExchange } from './raw-http1.js';

let server: Server | undefined;
afterEach(async () => {
  await server?.close(100);
  server = undefined;
  vi.restoreAllMocks();
});

let dir: string;
let cert: { cert: string; key: string };
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'h2tubes-edges-'));
  cert = await devCertificate(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function h2(
  url: string,
  headers: http2.OutgoingHttpHeaders,
  body?: string,
): Promise<{ status: number; headers: http2.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url);
    session.on('error', reject);
    const stream = session.request(headers);
    let got: http2.IncomingHttpHeaders = {};
    stream.on('response', (h) => {
      got = h;
    });
    stream.setEncoding('utf8');
    let text = '';
    stream.on('data', (c: string) => {
      text += c;
    });
    stream.on('end', () => {
      session.close();
      resolve({ status: Number(got[':status']), headers: got, body: text });
    });
    stream.on('error', reject);
    stream.end(body);
  });
}

describe('FastResponse headers and statusText, as the Response constructor takes them', () => {
  it('takes headers from any iterable (a Map), sent over HTTP/2', async () => {
    // Fetch takes any iterable of pairs; TypeScript's HeadersInit lists only arrays, records, Headers.
    const headers = new Map([['X-From-Map', 'yes']]) as unknown as HeadersInit;
    server = await serve(() => new FastResponse('m', { headers }));
    const got = await h2(server.url, { ':path': '/' });
    expect(got.headers['x-from-map']).toBe('yes');
    expect(got.body).toBe('m');
  });

  it('refuses a header pair that is not name and value, with the TypeError Response gives', () => {
    const bad = [['x-a', '1', 'extra']] as unknown as HeadersInit;
    expect(() => new Response('x', { headers: bad })).toThrow(TypeError);
    expect(() => new FastResponse('x', { headers: bad })).toThrow(TypeError);
  });

  it('has the statusText given, or an empty one', () => {
    expect(new FastResponse('x').statusText).toBe('');
    expect(new FastResponse('x', { status: 201, statusText: 'Made' }).statusText).toBe('Made');
  });
});

describe('requests the adapter builds', () => {
  it('gives empty trailers for a Request it did not build', async () => {
    const trailers = await requestTrailers(new Request('http://localhost/'));
    expect([...trailers]).toEqual([]);
  });

  it('turns a plain CONNECT (RFC 9113 §8.5: only :method and :authority) into http://authority/', async () => {
    server = await serve((r) => new Response(`${r.method} ${r.url}`));
    const got = await h2(server.url, { ':method': 'CONNECT', ':authority': 'example.test:443' });
    expect(got.status).toBe(200);
    expect(got.body).toBe('CONNECT http://example.test:443/');
  });

  it('reports bodyUsed false before and true after the handler reads an HTTP/2 request body', async () => {
    server = await serve(async (r) => {
      const before = r.bodyUsed;
      const text = await r.text();
      return new Response(`${before} ${r.bodyUsed} ${text}`);
    });
    const got = await h2(server.url, { ':method': 'POST', ':path': '/' }, 'payload');
    expect(got.body).toBe('false true payload');
  });
});

describe('a failing handler', () => {
  it('is not reported when its client already went away (nobody sees the 500)', async () => {
    const reportError = vi.fn();
    let resolveThrown!: () => void;
    const thrown = new Promise<void>((r) => {
      resolveThrown = r;
    });
    let resolveSeen!: () => void;
    const seen = new Promise<void>((r) => {
      resolveSeen = r;
    });
    server = await serve(
      async (r) => {
        resolveSeen();
        await new Promise<void>((resolve) => r.signal.addEventListener('abort', () => resolve()));
        setTimeout(resolveThrown, 20);
        throw new Error('too late');
      },
      { reportError },
    );
    const socket = await rawConnect(server.port);
    socket.write('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
    await seen;
    socket.destroy();
    await thrown;
    expect(reportError).not.toHaveBeenCalled();
  });
});

describe('the building blocks on their own', () => {
  it('createHttp1Server without options serves sockets handed to it (node:http client)', async () => {
    const h1 = createHttp1Server(handlerSink((r) => new Response(`h1 ${new URL(r.url).pathname}`)));
    const tcp = net.createServer((s) => h1.emit('connection', s));
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
    const port = (tcp.address() as net.AddressInfo).port;
    try {
      const body = await new Promise<string>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path: '/alone', agent: false }, (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => {
              text += c;
            });
            res.on('end', () => resolve(text));
          })
          .on('error', reject);
      });
      expect(body).toBe('h1 /alone');
    } finally {
      h1.closeAllConnections();
      await new Promise((r) => tcp.close(r));
    }
  });

  it('sniffPreface without an HTTP/1.1 handler closes an HTTP/1.1 connection without answering', async () => {
    const http2Sockets: unknown[] = [];
    const tcp = net.createServer((s) =>
      sniffPreface(s, { http2: (x) => http2Sockets.push(x), http1: undefined }),
    );
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
    const port = (tcp.address() as net.AddressInfo).port;
    try {
      const got = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: h\r\n\r\n');
      expect(got).toBe('');
      expect(http2Sockets).toEqual([]);
    } finally {
      await new Promise((r) => tcp.close(r));
    }
  });

  it('serve({ tls, http1: false }) offers only h2 in ALPN: an HTTP/1.1-only client is refused (RFC 7301 §3.2)', async () => {
    server = await serve(() => new Response('h2 only'), { tls: cert, http1: false });
    const alpn = await new Promise<string>((resolve) => {
      const s = tls.connect({
        host: '127.0.0.1',
        port: server?.port,
        ca: cert.cert,
        ALPNProtocols: ['http/1.1'],
        servername: 'localhost',
      });
      s.once('secureConnect', () => {
        resolve(`negotiated ${String(s.alpnProtocol)}`);
        s.destroy();
      });
      s.once('error', (e: NodeJS.ErrnoException) => resolve(String(e.code)));
    });
    expect(alpn).toBe('ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL');
    const client = await connect(`https://localhost:${server.port}`, { tls: { ca: cert.cert } });
    expect(await (await client.fetch('/')).text()).toBe('h2 only');
    await client.close();
  });

  it('connect() refuses a TLS server that negotiates no ALPN protocol at all', async () => {
    const plain = tls.createServer(cert, (s) => s.end());
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    const port = (plain.address() as net.AddressInfo).port;
    try {
      await expect(connect(`https://localhost:${port}`, { tls: { ca: cert.cert } })).rejects.toThrow(
        `https://localhost:${port} did not negotiate h2 with ALPN (got false)`,
      );
    } finally {
      await new Promise((r) => plain.close(r));
    }
  });
});
