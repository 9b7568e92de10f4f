import * as http2 from 'node:http2';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { withTrailers } from '../src/response-to-exchange.js';
import { serve } from '../src/serve.js';
import type { Server } from '../src/server-lifecycle.js';

let server: Server | undefined;
let client: http2.ClientHttp2Session | undefined;
afterEach(async () => {
  client?.close();
  await server?.close(100);
  server = undefined;
  client = undefined;
});

interface Got {
  headers: http2.IncomingHttpHeaders;
  body: string;
  trailers: http2.IncomingHttpHeaders;
}

function call(headers: http2.OutgoingHttpHeaders, body?: string): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = (client as http2.ClientHttp2Session).request(headers, { endStream: body === undefined });
    let got: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    let text = '';
    req.on('response', (h) => {
      got = h;
    });
    req.on('trailers', (t) => {
      trailers = t;
    });
    req.on('data', (c: Buffer) => {
      text += c.toString();
    });
    req.on('end', () => resolve({ headers: got, body: text, trailers }));
    req.on('error', reject);
    if (body !== undefined) req.end(body);
  });
}

describe('Fetch handler over HTTP/2 with node:http2 as the client (RFC 9113 §8)', () => {
  async function start(handler: (r: Request) => Response | Promise<Response>): Promise<void> {
    server = await serve(handler);
    client = http2.connect(server.url);
  }

  it('answers a GET with status, headers and body (RFC 9113 §8.3)', async () => {
    await start((r) => new Response(`path ${new URL(r.url).pathname}`, { headers: { 'x-a': 'b' } }));
    const got = await call({ ':path': '/hello' });
    expect(got.headers[':status']).toBe(200);
    expect(got.headers['x-a']).toBe('b');
    expect(got.body).toBe('path /hello');
  });

  it('streams a POST body to the handler', async () => {
    await start(async (r) => new Response(String((await r.text()).length)));
    expect((await call({ ':method': 'POST', ':path': '/' }, 'x'.repeat(200_000))).body).toBe('200000');
  });

  it('answers HEAD without DATA (RFC 9110 §9.3.2)', async () => {
    await start(() => new Response('body'));
    expect((await call({ ':method': 'HEAD', ':path': '/' })).body).toBe('');
  });

  it('sends trailers after the body (RFC 9113 §8.1)', async () => {
    await start(() => withTrailers(new Response('m'), { 'grpc-status': '0' }));
    const got = await call({ ':method': 'POST', ':path': '/', te: 'trailers' }, '');
    expect(got.trailers['grpc-status']).toBe('0');
  });

  it('aborts request.signal when the client resets the stream (RFC 9113 §6.4)', async () => {
    let aborted!: (v: boolean) => void;
    const wasAborted = new Promise<boolean>((resolve) => {
      aborted = resolve;
    });
    await start(
      (r) => new Promise<Response>(() => r.signal.addEventListener('abort', () => aborted(r.signal.aborted))),
    );
    const req = (client as http2.ClientHttp2Session).request({ ':path': '/' });
    req.on('error', () => {});
    req.on('ready', () => req.close(http2.constants.NGHTTP2_CANCEL));
    expect(await wasAborted).toBe(true);
  });

  it("sends a response over the client's advisory SETTINGS_MAX_HEADER_LIST_SIZE anyway (RFC 9113 §6.5.2)", async () => {
    server = await serve((r) =>
      new URL(r.url).pathname === '/big'
        ? new Response('big', { headers: { 'x-big': 'b'.repeat(8000) } })
        : new Response('small'),
    );
    client = http2.connect(server.url, { settings: { maxHeaderListSize: 4096 } });
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const big = await call({ ':path': '/big' });
      // node:http2's client takes it although it announced 4096: the choice is the receiver's (§10.5.1).
      expect(big.headers[':status']).toBe(200);
      expect(big.headers['x-big']).toHaveLength(8000);
      expect(big.body).toBe('big');
      expect(logged).not.toHaveBeenCalled();
    } finally {
      logged.mockRestore();
    }
    expect((await call({ ':path': '/small' })).body).toBe('small'); // same connection, still served
  });

  it('resets the stream with INTERNAL_ERROR when a response body fails mid-way, and serves the next request (RFC 9113 §8.1)', async () => {
    await start((r) => {
      if (new URL(r.url).pathname !== '/fails') return new Response('fine');
      let sent = false;
      const body = new ReadableStream<Uint8Array>({
        pull(c) {
          if (sent) return c.error(new Error('disk on fire'));
          sent = true;
          c.enqueue(new TextEncoder().encode('partial'));
        },
      });
      return new Response(body);
    });
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const failure = await call({ ':path': '/fails' }).then(
      () => undefined,
      (e: NodeJS.ErrnoException) => e,
    );
    expect(String(logged.mock.calls[0])).toContain('disk on fire'); // one line for the operator
    logged.mockRestore();
    expect(failure?.code).toBe('ERR_HTTP2_STREAM_ERROR');
    expect(failure?.message).toContain('NGHTTP2_INTERNAL_ERROR');
    expect((await call({ ':path': '/ok' })).body).toBe('fine');
  });

  it('reports a failing body and a throwing handler through reportError, not the console', async () => {
    const reported: string[] = [];
    server = await serve(
      (r) => {
        if (new URL(r.url).pathname === '/throws') throw new Error('handler bug');
        return new Response(
          new ReadableStream<Uint8Array>({ pull: (c) => c.error(new Error('disk on fire')) }),
        );
      },
      {
        reportError: (e, where) =>
          reported.push(
            `${where.what}${where.streamId ? ` #${where.streamId}` : ''}: ${(e as Error).message}`,
          ),
      },
    );
    client = http2.connect(server.url);
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect((await call({ ':path': '/throws' })).headers[':status']).toBe(500);
      await call({ ':path': '/fails' }).catch(() => {});
      expect(logged).not.toHaveBeenCalled();
    } finally {
      logged.mockRestore();
    }
    expect(reported).toEqual([
      expect.stringMatching(/^the handler of GET http:\/\/127\.0\.0\.1:\d+\/throws: handler bug$/),
      'response or request body #3: disk on fire',
    ]);
  });

  it('echoes a 9 MB upload as it arrives, full duplex, byte-exact (new Response(request.body))', async () => {
    await start((r) => new Response(r.body));
    const upload = Buffer.alloc(9_000_000);
    for (let i = 0; i < upload.length; i += 1013) upload[i] = i & 0xff;
    const echoed = await new Promise<Buffer>((resolve, reject) => {
      // Under node's 10 MiB maxSessionMemory: a larger single write makes node reset its own stream.
      const req = (client as http2.ClientHttp2Session).request({ ':method': 'POST', ':path': '/echo' });
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => resolve(Buffer.concat(parts)));
      req.on('error', reject);
      req.end(upload);
    });
    expect(echoed.equals(upload)).toBe(true);
  });

  it('pulls an AsyncIterable response body only as the client reads (RFC 9113 §5.2)', async () => {
    const chunk = new Uint8Array(64 * 1024).fill(1);
    const total = 64; // 4 MiB
    let produced = 0;
    async function* chunks(): AsyncGenerator<Uint8Array> {
      while (produced < total) {
        produced++;
        yield chunk;
      }
    }
    await start(() => new Response(chunks() as unknown as BodyInit));
    const req = (client as http2.ClientHttp2Session).request({ ':path': '/iterable' });
    req.pause(); // not reading: node returns no credit
    await new Promise((r) => req.once('response', r));
    await new Promise((r) => setTimeout(r, 200));
    // The stream window (64 KiB), node's buffer and a chunk or two in hand: far from all 64.
    expect(produced).toBeLessThan(8);
    let received = 0;
    req.on('data', (c: Buffer) => {
      received += c.length;
    });
    req.resume();
    await new Promise((r) => req.once('end', r));
    expect(received).toBe(total * chunk.length);
  });
});
