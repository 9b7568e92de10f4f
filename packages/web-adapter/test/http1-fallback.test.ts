import { execFile } from 'node:child_process';
import * as http from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FastResponse } from '../src/fast-response.js';
import { requestTrailers } from '../src/request-context.js';
import { earlyHints, withTrailers } from '../src/response-to-exchange.js';
import { serve } from '../src/serve.js';
import type { Server } from '../src/server-lifecycle.js';

let server: Server | undefined;
afterEach(async () => {
  await server?.close(100);
  server = undefined;
  vi.restoreAllMocks();
});

/** No HTTP/2 stack needed: these connections never send the preface. */
const noH2 = () => {
  throw new Error('not an HTTP/2 test');
};

async function start(handler: (r: Request) => Response | Promise<Response>): Promise<Server> {
  server = await serve(handler, { acceptH2: noH2 });
  return server;
}

interface Got {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  trailers: NodeJS.Dict<string>;
  informational: number[];
}

function request(
  port: number,
  method: string,
  path: string,
  body?: string | Buffer,
  headers: http.OutgoingHttpHeaders = {},
): Promise<Got> {
  return new Promise((resolve, reject) => {
    const informational: number[] = [];
    const req = http.request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
          trailers: res.trailers,
          informational,
        }),
      );
    });
    req.on('information', (info) => informational.push(info.statusCode));
    req.on('error', reject);
    req.end(body);
  });
}

function curl(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('curl', ['-s', '--http1.1', ...args], (e, stdout) => (e === null ? resolve(stdout) : reject(e))),
  );
}

describe('HTTP/1.1 fallback on the cleartext port', () => {
  it('serves a node:http client through the Fetch handler', async () => {
    const s = await start(
      (req) => new Response(`${req.method} ${new URL(req.url).pathname} ${req.headers.get('x-q')}`),
    );
    const got = await request(s.port, 'GET', '/p', undefined, { 'x-q': 'v' });
    expect(got.status).toBe(200);
    expect(got.body).toBe('GET /p v');
  });

  it("sends an untouched Response (serve()'s lazy global) from its arguments, as over HTTP/2", async () => {
    const sent: Response[] = [];
    const s = await start(() => {
      const r = new Response('lazy', { status: 201, headers: { 'x-a': 'b' } });
      sent.push(r);
      return r;
    });
    const got = await request(s.port, 'GET', '/');
    expect([got.status, got.headers['x-a'], got.headers['content-type'], got.body]).toEqual([
      201,
      'b',
      'text/plain;charset=UTF-8',
      'lazy',
    ]);
    // Never turned into undici's Response (which would have built a ReadableStream for 'lazy').
    expect((sent[0] as FastResponse).fastParts()).toBeDefined();
  });

  it('serves curl --http1.1 and builds the URL from the Host header', async () => {
    const s = await start((req) => new Response(req.url));
    expect(await curl([`http://127.0.0.1:${s.port}/a?b=1`])).toBe(`http://127.0.0.1:${s.port}/a?b=1`);
  });

  it('streams a request body to the handler', async () => {
    const s = await start(async (req) => new Response(String((await req.arrayBuffer()).byteLength)));
    const got = await request(s.port, 'POST', '/upload', Buffer.alloc(3 << 20, 7));
    expect(got.body).toBe(String(3 << 20));
  });

  it('streams a ReadableStream response body', async () => {
    const s = await start(() => {
      let i = 0;
      return new Response(
        new ReadableStream<Uint8Array>({
          pull(c) {
            if (i === 3) c.close();
            else c.enqueue(new TextEncoder().encode(`chunk${i++};`));
          },
        }),
      );
    });
    expect((await request(s.port, 'GET', '/stream')).body).toBe('chunk0;chunk1;chunk2;');
  });

  it('answers 500 and logs one line when the handler throws, and the process survives', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const s = await start(() => {
      throw new Error('broken handler');
    });
    expect((await request(s.port, 'GET', '/')).status).toBe(500);
    expect(log).toHaveBeenCalledTimes(1);
  });

  it('answers HEAD without a body (RFC 9110 §9.3.2)', async () => {
    const s = await start(() => new Response('twelve bytes', { headers: { 'content-length': '12' } }));
    const out = await curl(['-I', `http://127.0.0.1:${s.port}/`]);
    expect(out).toMatch(/content-length: 12/i);
    expect(out).not.toContain('twelve bytes');
  });

  it('sends 103 Early Hints before the response (RFC 8297)', async () => {
    const s = await start((req) => {
      earlyHints(req, '</style.css>; rel=preload; as=style');
      return new Response('page');
    });
    const got = await request(s.port, 'GET', '/');
    expect(got.informational).toEqual([103]);
    expect(got.body).toBe('page');
  });

  it('sends trailers with chunked encoding and reads request trailers (RFC 9112 §7.1.2)', async () => {
    const s = await start(async (req) => {
      await req.text();
      const t = await requestTrailers(req);
      return withTrailers(new Response('body'), { 'x-echo': t.get('x-in') ?? 'none' });
    });
    const got = await new Promise<Got>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: s.port,
          method: 'POST',
          path: '/',
          headers: { te: 'trailers', trailer: 'x-in' },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString(),
              trailers: res.trailers,
              informational: [],
            }),
          );
        },
      );
      req.on('error', reject);
      req.write('up');
      req.addTrailers({ 'x-in': 'hello' });
      req.end();
    });
    expect(got.body).toBe('body');
    expect(got.trailers['x-echo']).toBe('hello');
  });

  it('aborts request.signal when the client goes away', async () => {
    let aborted!: () => void;
    const wasAborted = new Promise<void>((resolve) => {
      aborted = resolve;
    });
    let signal: AbortSignal | undefined;
    const s = await start(
      (req) =>
        new Promise<Response>(() => {
          signal = req.signal;
          req.signal.addEventListener('abort', aborted);
          client.destroy();
        }),
    );
    const client = http.request({ host: '127.0.0.1', port: s.port, path: '/' });
    client.on('error', () => {});
    client.end();
    await wasAborted;
    expect(signal?.aborted).toBe(true);
  });

  it('lets an in-flight request finish on close() and answers it with connection: close', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered!: () => void;
    const inHandler = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const s = await start(async () => {
      entered();
      await gate;
      return new Response('late');
    });
    const pending = request(s.port, 'GET', '/slow');
    await inHandler;
    const closing = s.close(5_000);
    release();
    const got = await pending;
    expect(got.body).toBe('late');
    expect(got.headers.connection).toBe('close');
    await closing;
    server = undefined;
  });
});
