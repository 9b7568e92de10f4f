/**
 * A Hono app served unchanged through `serve(app.fetch)`, called by node:http2: routing, params,
 * middleware, JSON both ways, streaming, cookies, errors and 404 all go through our Request and
 * Response handling as Hono expects them.
 */
import * as http2 from 'node:http2';
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { etag } from 'hono/etag';
import { HTTPException } from 'hono/http-exception';
import { streamText } from 'hono/streaming';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve } from '../src/serve.js';
import type { Server } from '../src/server-lifecycle.js';

function createHonoApp(): Hono {
  const app = new Hono();
  app.use('/api/*', cors({ origin: 'https://example.test' }));
  app.use('/etag/*', etag());
  app.get('/', (c) => c.html('<h1>hono on h2tubes</h1>'));
  app.get('/api/users/:id', (c) =>
    c.json({ id: c.req.param('id'), q: c.req.query('q') ?? null, agent: c.req.header('user-agent') ?? null }),
  );
  app.post('/api/echo', async (c) => c.json({ received: await c.req.json() }, 201));
  app.get('/etag/doc', (c) => c.text('same every time'));
  app.get('/cookies', (c) => {
    c.header('set-cookie', 'a=1; Path=/', { append: true });
    c.header('set-cookie', 'b=2; Path=/', { append: true });
    return c.text('two cookies');
  });
  app.get('/stream', (c) =>
    streamText(c, async (stream) => {
      for (let i = 0; i < 5; i++) await stream.writeln(`line ${i}`);
    }),
  );
  app.get('/teapot', () => {
    throw new HTTPException(418, { message: 'short and stout' });
  });
  app.get('/boom', () => {
    throw new Error('handler bug');
  });
  app.onError((err, c) =>
    err instanceof HTTPException ? err.getResponse() : c.text(`caught: ${err.message}`, 500),
  );
  return app;
}

interface Got {
  headers: http2.IncomingHttpHeaders;
  body: string;
}

let server: Server;
let client: http2.ClientHttp2Session;

beforeAll(async () => {
  server = await serve(createHonoApp().fetch, { hostname: '127.0.0.1', port: 0 });
  client = http2.connect(server.url);
});

afterAll(async () => {
  client?.close();
  await server?.close(100);
});

function call(headers: http2.OutgoingHttpHeaders, body?: string): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = client.request(headers, { endStream: body === undefined });
    let got: http2.IncomingHttpHeaders = {};
    let text = '';
    req.setEncoding('utf8');
    req.on('response', (h) => {
      got = h;
    });
    req.on('data', (c: string) => {
      text += c;
    });
    req.on('end', () => resolve({ headers: got, body: text }));
    req.on('error', reject);
    if (body !== undefined) req.end(body);
  });
}

describe('a Hono app through serve(app.fetch), node:http2 as the client', () => {
  it('serves HTML at /', async () => {
    const got = await call({ ':path': '/' });
    expect(got.headers[':status']).toBe(200);
    expect(got.headers['content-type']).toMatch(/^text\/html/);
    expect(got.body).toBe('<h1>hono on h2tubes</h1>');
  });

  it('routes params, query and request headers into JSON, with CORS middleware applied', async () => {
    const got = await call({
      ':path': '/api/users/42?q=x%20y',
      'user-agent': 'node-h2',
      origin: 'https://example.test',
    });
    expect(got.headers[':status']).toBe(200);
    expect(got.headers['access-control-allow-origin']).toBe('https://example.test');
    expect(JSON.parse(got.body)).toEqual({ id: '42', q: 'x y', agent: 'node-h2' });
  });

  it('reads a JSON request body and answers 201', async () => {
    const got = await call(
      { ':method': 'POST', ':path': '/api/echo', 'content-type': 'application/json' },
      JSON.stringify({ list: [1, 2, 3], text: 'é' }),
    );
    expect(got.headers[':status']).toBe(201);
    expect(JSON.parse(got.body)).toEqual({ received: { list: [1, 2, 3], text: 'é' } });
  });

  it('answers a CORS preflight (OPTIONS) with 204 and no body', async () => {
    const got = await call({
      ':method': 'OPTIONS',
      ':path': '/api/echo',
      origin: 'https://example.test',
      'access-control-request-method': 'POST',
    });
    expect(got.headers[':status']).toBe(204);
    expect(got.headers['access-control-allow-methods']).toContain('POST');
    expect(got.body).toBe('');
  });

  it('answers a conditional GET with 304 through the etag middleware', async () => {
    const first = await call({ ':path': '/etag/doc' });
    const tag = first.headers.etag as string;
    expect(tag).toMatch(/^"/);
    const second = await call({ ':path': '/etag/doc', 'if-none-match': tag });
    expect(second.headers[':status']).toBe(304);
    expect(second.body).toBe('');
  });

  it('sends two set-cookie fields', async () => {
    const got = await call({ ':path': '/cookies' });
    expect(got.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; Path=/']);
  });

  it('streams a hono/streaming body', async () => {
    const got = await call({ ':path': '/stream' });
    expect(got.headers[':status']).toBe(200);
    expect(got.body).toBe('line 0\nline 1\nline 2\nline 3\nline 4\n');
  });

  it("passes Hono's own error handling through: HTTPException status, onError 500, 404", async () => {
    const teapot = await call({ ':path': '/teapot' });
    expect(teapot.headers[':status']).toBe(418);
    expect(teapot.body).toBe('short and stout');
    const boom = await call({ ':path': '/boom' });
    expect(boom.headers[':status']).toBe(500);
    expect(boom.body).toBe('caught: handler bug');
    expect((await call({ ':path': '/nowhere' })).headers[':status']).toBe(404);
  });

  it('answers HEAD with the GET headers and no body', async () => {
    const got = await call({ ':method': 'HEAD', ':path': '/' });
    expect(got.headers[':status']).toBe(200);
    expect(got.headers['content-type']).toMatch(/^text\/html/);
    expect(got.body).toBe('');
  });
});
