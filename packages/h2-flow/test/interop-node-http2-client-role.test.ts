/**
 * Our client role against Node's own HTTP/2 server (node:http2, nghttp2 inside) over loopback.
 */
import { createHash } from 'node:crypto';
import http2 from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import { firstValueFrom, lastValueFrom, reduce } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { type ClientSession, clientConnection } from '../src/index.js';
import type { ClientResponse, ConsumingPuller } from '../src/tubes/exchange-types.js';

const servers: http2.Http2Server[] = [];
const sessions: ClientSession[] = [];

async function start(
  onStream: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void,
  settings: http2.Settings = {},
): Promise<ClientSession> {
  const server = http2.createServer({ settings });
  server.on('stream', onStream);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  const socket = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  const session = clientConnection(socket);
  sessions.push(session);
  return session;
}

afterEach(async () => {
  for (const s of sessions.splice(0)) s.close();
  for (const s of servers.splice(0)) {
    await new Promise<void>((r) => {
      s.close(() => r());
      setTimeout(r, 200);
    });
  }
});

const get = (path: string, extra: Partial<Parameters<ClientSession['request']>[0]> = {}) => ({
  method: 'GET',
  scheme: 'http',
  authority: 'localhost',
  path,
  ...extra,
});

const bodyOf = (res: ClientResponse) =>
  lastValueFrom(res.body.chunks.pipe(reduce((acc: Buffer[], c) => [...acc, Buffer.from(c)], []))).then(
    (parts) => Buffer.concat(parts),
  );

describe('client role against a node:http2 server', () => {
  it('GETs a response with status, headers and body', async () => {
    const session = await start((stream, headers) => {
      stream.respond({ ':status': 200, 'x-path': String(headers[':path']) });
      stream.end('hello');
    });
    const res = await firstValueFrom(session.request(get('/a?b=1')));
    expect(res.status).toBe(200);
    expect(res.fields).toContainEqual({ name: 'x-path', value: '/a?b=1' });
    expect((await bodyOf(res)).toString()).toBe('hello');
  });

  it('POSTs a 10 MB body pulled from an async iterable and reads the hash back', async () => {
    const session = await start((stream) => {
      const hash = createHash('sha256');
      stream.on('data', (c: Buffer) => hash.update(c));
      stream.on('end', () => {
        stream.respond({ ':status': 200 });
        stream.end(hash.digest('hex'));
      });
    });
    const chunk = new Uint8Array(64 * 1024).fill(3);
    async function* upload() {
      for (let i = 0; i < 160; i++) yield chunk;
    }
    const expected = createHash('sha256');
    for (let i = 0; i < 160; i++) expected.update(chunk);
    const res = await firstValueFrom(session.request(get('/up', { method: 'POST', body: upload() })));
    expect((await bodyOf(res)).toString()).toBe(expected.digest('hex'));
  });

  it('queues requests beyond the server SETTINGS_MAX_CONCURRENT_STREAMS instead of failing them (RFC 9113 §5.1.2)', async () => {
    let open = 0;
    let maxOpen = 0;
    const session = await start(
      (stream) => {
        open++;
        maxOpen = Math.max(maxOpen, open);
        setTimeout(() => {
          stream.respond({ ':status': 200 });
          stream.end('ok');
          open--;
        }, 5);
      },
      { maxConcurrentStreams: 5 },
    );
    await new Promise((r) => setTimeout(r, 50)); // let the server SETTINGS arrive
    const all = await Promise.all(
      Array.from({ length: 40 }, (_, i) => firstValueFrom(session.request(get(`/${i}`))).then(bodyOf)),
    );
    expect(all.map(String)).toEqual(Array.from({ length: 40 }, () => 'ok'));
    expect(maxOpen).toBeLessThanOrEqual(5);
  });

  it('sends request trailers and receives response trailers (RFC 9113 §8.1)', async () => {
    let got: http2.IncomingHttpHeaders = {};
    const session = await start((stream) => {
      stream.on('trailers', (t) => {
        got = t;
      });
      stream.resume();
      stream.on('end', () => {
        stream.respond({ ':status': 200 }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.end('body');
      });
    });
    const res = await firstValueFrom(
      session.request(get('/t', { method: 'POST', body: 'x', trailers: [{ name: 'x-sum', value: '42' }] })),
    );
    expect((await bodyOf(res)).toString()).toBe('body');
    expect(await res.trailers).toEqual([{ name: 'grpc-status', value: '0' }]);
    expect(got['x-sum']).toBe('42');
  });

  it('fails the response body when the connection dies mid-body, instead of ending it as if complete', async () => {
    const session = await start((stream) => {
      stream.on('error', () => {});
      stream.respond({ ':status': 200 });
      stream.write('partial');
      setTimeout(() => stream.session?.destroy(), 20);
    });
    const res = await firstValueFrom(session.request(get('/r')));
    await expect(bodyOf(res)).rejects.toThrow(/connection closed/);
  });

  it('a large response is delivered whole while credit is returned as it is consumed', async () => {
    const big = Buffer.alloc(5 * 1024 * 1024, 9);
    const session = await start((stream) => {
      stream.respond({ ':status': 200 });
      stream.end(big);
    });
    const res = await firstValueFrom(session.request(get('/big')));
    const body = await bodyOf(res);
    expect(body.length).toBe(big.length);
    expect(body.equals(big)).toBe(true);
  });

  it('a response body read without returning credit gets at most its stream window; other streams flow; nothing is lost', async () => {
    const big = Buffer.alloc(2 * 1024 * 1024, 7);
    const session = await start((stream, headers) => {
      stream.respond({ ':status': 200 });
      stream.end(headers[':path'] === '/small' ? 'small' : big);
    });
    const slow = await firstValueFrom(session.request(get('/slow')));
    let received = 0;
    let consuming = false;
    const parts: Buffer[] = [];
    let puller: ConsumingPuller | undefined;
    const done = new Promise<void>((resolve, reject) => {
      puller = slow.body.pullConsuming({
        next: (c) => {
          received += c.length;
          parts.push(Buffer.from(c));
          if (consuming) puller?.consumed(c.length);
          puller?.request();
        },
        error: reject,
        complete: resolve,
      });
      puller.request();
    });
    await new Promise((r) => setTimeout(r, 200)); // the server fills the stream window, then must wait
    expect(received).toBeLessThanOrEqual(65_535); // RFC 9113 §6.9.2 initial stream window
    const small = await firstValueFrom(session.request(get('/small')));
    expect((await bodyOf(small)).toString()).toBe('small');
    consuming = true;
    puller?.consumed(received);
    await done;
    expect(Buffer.concat(parts).equals(big)).toBe(true);
  });
});
