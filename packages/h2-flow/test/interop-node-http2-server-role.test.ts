/**
 * Our server role against Node's own HTTP/2 client (node:http2, nghttp2 inside): a peer no one
 * here wrote. Real loopback sockets; every server listens on 127.0.0.1:0 and is closed per test.
 */
import { createHash } from 'node:crypto';
import http2 from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import { tap } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { type ServerConnectionOptions, serverConnection } from '../src/index.js';
import type { ServerExchange } from '../src/tubes/exchange-types.js';

interface Running {
  url: string;
  server: net.Server;
  sockets: Set<net.Socket>;
}
const running: Running[] = [];

async function startServer(
  onExchange: (ex: ServerExchange) => void,
  options: ServerConnectionOptions = {},
): Promise<Running> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serverConnection(socket, options).subscribe({ next: onExchange, error: () => {} });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const r = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, sockets };
  running.push(r);
  return r;
}

afterEach(async () => {
  for (const r of running.splice(0)) {
    for (const s of r.sockets) s.destroy();
    await new Promise<void>((done) => r.server.close(() => done()));
  }
});

function collect(ex: ServerExchange): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Uint8Array[] = [];
    ex.body.chunks.subscribe({
      next: (c) => parts.push(Buffer.from(c)),
      complete: () => resolve(Buffer.concat(parts)),
      error: reject,
    });
  });
}

function request(
  client: http2.ClientHttp2Session,
  headers: http2.OutgoingHttpHeaders,
  body?: Buffer,
): Promise<{
  status: number;
  headers: http2.IncomingHttpHeaders;
  body: Buffer;
  trailers: http2.IncomingHttpHeaders;
}> {
  return new Promise((resolve, reject) => {
    const req = client.request(headers, { endStream: body === undefined });
    const parts: Buffer[] = [];
    let head: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    req.on('response', (h) => {
      head = h;
    });
    req.on('trailers', (t) => {
      trailers = t;
    });
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () =>
      resolve({ status: Number(head[':status']), headers: head, body: Buffer.concat(parts), trailers }),
    );
    req.on('error', reject);
    if (body !== undefined) req.end(body);
  });
}

describe('server role against a node:http2 client', () => {
  it('answers a GET with status, headers and body', async () => {
    const s = await startServer((ex) =>
      ex.respond(200, [{ name: 'content-type', value: 'text/plain' }], `you asked ${ex.path}`),
    );
    const client = http2.connect(s.url);
    const res = await request(client, { ':path': '/hello?x=1' });
    client.close();
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain');
    expect(res.body.toString()).toBe('you asked /hello?x=1');
  });

  it('receives a 10 MB upload intact and answers its SHA-256', async () => {
    const s = await startServer(async (ex) => {
      const body = await collect(ex);
      ex.respond(200, [], createHash('sha256').update(body).digest('hex'));
    });
    const upload = Buffer.alloc(10 * 1024 * 1024);
    for (let i = 0; i < upload.length; i += 4096) upload.writeUInt32BE(i, i);
    const client = http2.connect(s.url);
    const res = await request(client, { ':method': 'POST', ':path': '/upload' }, upload);
    client.close();
    expect(res.body.toString()).toBe(createHash('sha256').update(upload).digest('hex'));
  });

  it('grows the receive window of a fast-read bulk upload toward the bandwidth-delay product, not when capped', async () => {
    const largestStreamIncrement = async (options: ServerConnectionOptions): Promise<number> => {
      let largest = 0;
      const s = await startServer(
        async (ex) => {
          const body = await collect(ex);
          ex.respond(200, [], String(body.length));
        },
        {
          ...options,
          stages: {
            beforeEncode: tap((f) => {
              if (f.type === 'WINDOW_UPDATE' && f.streamId !== 0)
                largest = Math.max(largest, f.windowSizeIncrement);
            }),
          },
        },
      );
      const client = http2.connect(s.url);
      const res = await request(
        client,
        { ':method': 'POST', ':path': '/bulk' },
        Buffer.alloc(16 * 1024 * 1024),
      );
      client.close();
      expect(res.body.toString()).toBe(String(16 * 1024 * 1024));
      return largest;
    };
    // A consumer that reads a whole window well within the assumed 100 ms round trip: the window
    // limits throughput, so it doubles (receive-credit.ts), and the WINDOW_UPDATEs carry the growth.
    expect(await largestStreamIncrement({})).toBeGreaterThan(65_535);
    // Growth capped at the initial window: credit is only ever returned, never added.
    expect(await largestStreamIncrement({ maxReceiveWindowSize: 65_535 })).toBeLessThanOrEqual(65_535);
  });

  it('answering without reading the upload ends it with RST_STREAM NO_ERROR, so the client stops sending (RFC 9113 §8.1)', async () => {
    const sent: string[] = [];
    const s = await startServer((ex) => ex.respond(200, [], 'answered without reading'), {
      stages: {
        beforeEncode: tap((f) => {
          if (f.type === 'RST_STREAM') sent.push(`${f.streamId} ${f.errorCode}`);
        }),
      },
    });
    const client = http2.connect(s.url);
    // 1 MB: far over the stream window, so without the reset the upload would wait forever.
    const res = await request(client, { ':method': 'POST', ':path': '/ignored' }, Buffer.alloc(1024 * 1024));
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('answered without reading');
    // The reset comes once node has sent past the window it had when the response ended.
    for (let waited = 0; sent.length === 0 && waited < 10_000; waited += 10)
      await new Promise((r) => setTimeout(r, 10));
    expect(sent).toEqual(['1 NO_ERROR']);
    const next = await request(client, { ':path': '/again' }); // the connection is fine
    client.close();
    expect(next.body.toString()).toBe('answered without reading');
  });

  it('a handler that answers first and reads the upload afterwards still gets all of it', async () => {
    let hash: string | undefined;
    const s = await startServer((ex) => {
      ex.respond(202, [], 'accepted');
      collect(ex).then((body) => {
        hash = createHash('sha256').update(body).digest('hex');
      });
    });
    const upload = Buffer.alloc(1024 * 1024, 3);
    const client = http2.connect(s.url);
    const res = await request(client, { ':method': 'POST', ':path': '/later' }, upload);
    expect(res.status).toBe(202);
    await new Promise<void>((r) => {
      const poll = (): unknown => (hash === undefined ? setTimeout(poll, 5) : r());
      poll();
    });
    client.close();
    expect(hash).toBe(createHash('sha256').update(upload).digest('hex'));
  });

  it('sends a 10 MB body whole to a client with huge windows, paced by the socket alone', async () => {
    const body = new Uint8Array(10 * 1024 * 1024).map((_, i) => i % 251);
    const s = await startServer((ex) => ex.respond(200, [], body));
    // Windows near 2^31: no WINDOW_UPDATE will come to restart sending, and a socket that takes
    // each batch at once emits no 'drain' either (this stalled at 1 MiB before).
    const client = http2.connect(s.url, { settings: { initialWindowSize: 2 ** 31 - 1 } });
    client.on('connect', () => client.setLocalWindowSize(2 ** 30));
    const res = await request(client, { ':path': '/big' });
    client.close();
    expect(res.body.length).toBe(body.length);
    expect(res.body.equals(Buffer.from(body))).toBe(true);
  });

  it('sends a 10 MB body the client receives intact', async () => {
    const big = Buffer.alloc(10 * 1024 * 1024, 7);
    const s = await startServer((ex) => ex.respond(200, [], big));
    const client = http2.connect(s.url);
    const res = await request(client, { ':path': '/' });
    client.close();
    expect(res.body.length).toBe(big.length);
    expect(res.body.equals(big)).toBe(true);
  });

  it('serves 100 concurrent streams on one connection, each its own answer', async () => {
    const s = await startServer((ex) => ex.respond(200, [], `stream ${ex.path}`));
    const client = http2.connect(s.url);
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => request(client, { ':path': `/${i}` })),
    );
    client.close();
    expect(results.map((r) => r.body.toString())).toEqual(
      Array.from({ length: 100 }, (_, i) => `stream /${i}`),
    );
  });

  it('sends response trailers after the body and receives request trailers (RFC 9113 §8.1)', async () => {
    let gotTrailers: readonly { name: string; value: string }[] = [];
    const s = await startServer(async (ex) => {
      await collect(ex);
      gotTrailers = await ex.trailers;
      ex.respond(200, [], 'body', [{ name: 'grpc-status', value: '0' }]);
    });
    const client = http2.connect(s.url);
    const res = await new Promise<{ body: string; trailers: http2.IncomingHttpHeaders }>(
      (resolve, reject) => {
        const req = client.request({ ':method': 'POST', ':path': '/' }, { waitForTrailers: true });
        let body = '';
        let trailers: http2.IncomingHttpHeaders = {};
        req.on('wantTrailers', () => req.sendTrailers({ 'x-checksum': 'abc' }));
        req.on('data', (c: Buffer) => {
          body += c.toString();
        });
        req.on('trailers', (t) => {
          trailers = t;
        });
        req.on('end', () => resolve({ body, trailers }));
        req.on('error', reject);
        req.end('payload');
      },
    );
    client.close();
    expect(res.body).toBe('body');
    expect(res.trailers['grpc-status']).toBe('0');
    expect(gotTrailers).toEqual([{ name: 'x-checksum', value: 'abc' }]);
  });

  it('aborts the exchange signal when the client resets the stream mid-body', async () => {
    let aborted: Promise<void> | undefined;
    const s = await startServer((ex) => {
      aborted = new Promise((r) => ex.signal.addEventListener('abort', () => r()));
      async function* forever() {
        for (;;) {
          yield new Uint8Array(1024);
          await new Promise((r) => setTimeout(r, 1));
        }
      }
      ex.respond(200, [], forever());
    });
    const client = http2.connect(s.url);
    const req = client.request({ ':path': '/' });
    await new Promise((r) => req.once('data', r));
    req.close(http2.constants.NGHTTP2_CANCEL);
    await aborted;
    client.close();
    expect(aborted).toBeDefined();
  });

  it('stops pulling a response body while the client does not read (memory stays bounded)', async () => {
    let produced = 0;
    const s = await startServer((ex) => {
      async function* endless() {
        for (;;) {
          produced += 16_384;
          yield new Uint8Array(16_384);
        }
      }
      ex.respond(200, [], endless());
    });
    // The client never reads: its stream and connection windows (65 535 by default) fill up.
    const client = http2.connect(s.url);
    const req = client.request({ ':path': '/' });
    req.pause();
    await new Promise((r) => setTimeout(r, 300));
    const after300ms = produced;
    await new Promise((r) => setTimeout(r, 300));
    req.close();
    client.close();
    expect(produced).toBeGreaterThan(0); // it did start sending
    expect(produced).toBe(after300ms); // stalled, not still pulling
    expect(produced).toBeLessThan(4 * 1024 * 1024); // window + socket buffers, not unbounded
  });

  it('keeps serving other streams while one upload is never acknowledged: it gets at most its window (RFC 9113 §5.2)', async () => {
    let stalledBytes = 0;
    const s = await startServer((ex) => {
      if (ex.path === '/stall') {
        // An asynchronous consumer that never finishes: takes every chunk, reports none consumed.
        const puller = ex.body.pullConsuming({
          next: (c) => {
            stalledBytes += c.length;
            puller.request();
          },
          complete: () => {},
          error: () => {}, // the connection closing at the end of the test
        });
        puller.request();
        return;
      }
      ex.respond(200, [], 'ok');
    });
    const client = http2.connect(s.url);
    const stalled = client.request({ ':method': 'POST', ':path': '/stall' });
    const chunk = Buffer.alloc(16_384);
    for (let i = 0; i < 64; i++) stalled.write(chunk);
    await new Promise((r) => setTimeout(r, 300));
    const res = await request(client, { ':path': '/other' });
    expect(res.body.toString()).toBe('ok');
    expect(stalledBytes).toBeGreaterThan(0);
    expect(stalledBytes).toBeLessThanOrEqual(65_535); // SETTINGS_INITIAL_WINDOW_SIZE default, not 1 MiB
    stalled.close();
    client.close();
  });

  it('resets a request whose content-length disagrees with its DATA, and keeps the connection (RFC 9113 §8.1.1)', async () => {
    const s = await startServer(async (ex) => {
      await collect(ex).catch(() => {});
      if (!ex.signal.aborted) ex.respond(200, [], 'fine');
    });
    const client = http2.connect(s.url);
    const bad = client.request({ ':method': 'POST', ':path': '/', 'content-length': '10' });
    bad.end('abc');
    const code = await new Promise<number>((resolve) => {
      bad.on('close', () => resolve(bad.rstCode));
      bad.on('error', () => {});
    });
    const ok = await request(client, { ':path': '/' });
    client.close();
    expect(code).toBe(http2.constants.NGHTTP2_PROTOCOL_ERROR);
    expect(ok.body.toString()).toBe('fine');
  });
});
