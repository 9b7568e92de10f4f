/**
 * FastResponse end to end: node:http2 sees the same answers as for a Response, whether the
 * adapter takes the fast path (untouched) or the materialized one (a handler read its headers),
 * and the HTTP/1.1 fallback serves it too.
 */
import * as http from 'node:http';
import * as http2 from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FastResponse } from '../src/fast-response.js';
import { withTrailers } from '../src/response-to-exchange.js';
import { serve } from '../src/serve.js';
import type { Server } from '../src/server-lifecycle.js';

function handler(request: Request): Response {
  switch (new URL(request.url).pathname) {
    case '/text':
      return new FastResponse('plain text');
    case '/json':
      return FastResponse.json({ n: 1 }, { status: 201, headers: { 'x-kind': 'json' } });
    case '/stream':
      return new FastResponse(
        new ReadableStream<Uint8Array>({
          start(c) {
            for (const part of ['a', 'b', 'c']) c.enqueue(new TextEncoder().encode(part));
            c.close();
          },
        }),
        { headers: { 'content-type': 'text/plain' } },
      );
    case '/trailers':
      return withTrailers(new FastResponse('with trailers'), { 'x-check': 'ok' });
    case '/touched': {
      const r = new FastResponse('touched', { headers: { 'x-a': '1' } });
      r.headers.set('x-b', '2'); // middleware style: now a real Response underneath
      return r;
    }
    default:
      return new FastResponse('not found', { status: 404 });
  }
}

interface Got {
  headers: http2.IncomingHttpHeaders;
  body: string;
  trailers: http2.IncomingHttpHeaders;
}

let server: Server;
let client: http2.ClientHttp2Session;

beforeAll(async () => {
  server = await serve(handler, { hostname: '127.0.0.1', port: 0 });
  client = http2.connect(server.url);
});

afterAll(async () => {
  client?.close();
  await server?.close(100);
});

function call(path: string, method = 'GET'): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = client.request({ ':path': path, ':method': method });
    let headers: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    let body = '';
    req.setEncoding('utf8');
    req.on('response', (h) => {
      headers = h;
    });
    req.on('trailers', (t) => {
      trailers = t;
    });
    req.on('data', (c: string) => {
      body += c;
    });
    req.on('end', () => resolve({ headers, body, trailers }));
    req.on('error', reject);
  });
}

describe('FastResponse served over HTTP/2 to node:http2', () => {
  it('sends a string with the default text content-type', async () => {
    const got = await call('/text');
    expect(got.headers[':status']).toBe(200);
    expect(got.headers['content-type']).toBe('text/plain;charset=UTF-8');
    expect(got.body).toBe('plain text');
  });

  it('sends FastResponse.json with status and extra headers', async () => {
    const got = await call('/json');
    expect(got.headers[':status']).toBe(201);
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['x-kind']).toBe('json');
    expect(JSON.parse(got.body)).toEqual({ n: 1 });
  });

  it('pulls a ReadableStream body', async () => {
    expect((await call('/stream')).body).toBe('abc');
  });

  it('sends trailers attached with withTrailers', async () => {
    const got = await call('/trailers');
    expect(got.body).toBe('with trailers');
    expect(got.trailers['x-check']).toBe('ok');
  });

  it('answers HEAD with the headers and no body', async () => {
    const got = await call('/text', 'HEAD');
    expect(got.headers['content-type']).toBe('text/plain;charset=UTF-8');
    expect(got.body).toBe('');
  });

  it('sends what a handler changed after reading the headers', async () => {
    const got = await call('/touched');
    expect([got.headers['x-a'], got.headers['x-b'], got.body]).toEqual(['1', '2', 'touched']);
  });

  it('is served over the HTTP/1.1 fallback too', async () => {
    const got = await new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
      http
        .get(`${server.url}text`, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            body += c;
          });
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'] ?? '', body }),
          );
        })
        .on('error', reject);
    });
    expect(got).toEqual({ status: 200, type: 'text/plain;charset=UTF-8', body: 'plain text' });
  });
});
