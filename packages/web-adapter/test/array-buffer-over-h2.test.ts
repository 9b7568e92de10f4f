/**
 * `request.arrayBuffer()` end to end, read straight from the stream's pull source (no
 * ReadableStream): node:http2 uploads a body larger than the initial windows, in 64 KiB writes
 * with backpressure, and the handler gets every octet in order (so the credit was returned as it
 * was read, or the upload would stall); a client that resets its upload midway makes only its
 * handler's arrayBuffer() reject, and the connection serves the next request.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as http2 from 'node:http2';
import { afterEach, describe, expect, it } from 'vitest';
import { serve } from '../src/serve.js';
import type { Server } from '../src/server-lifecycle.js';

let server: Server | undefined;
afterEach(async () => {
  await server?.close(100);
  server = undefined;
});

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Writes `body` on `stream` in 64 KiB pieces, waiting for 'drain' when told to. */
async function upload(
  stream: http2.ClientHttp2Stream,
  body: Uint8Array,
  stopAfter = body.length,
): Promise<void> {
  for (let at = 0; at < stopAfter; at += 65_536) {
    if (!stream.write(body.subarray(at, Math.min(at + 65_536, stopAfter))))
      await new Promise((r) => stream.once('drain', r));
  }
}

function answer(stream: http2.ClientHttp2Stream): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    let status = 0;
    let text = '';
    stream.on('response', (h) => {
      status = Number(h[':status']);
    });
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => {
      text += d;
    });
    stream.on('end', () => resolve({ status, text }));
    stream.on('error', reject);
  });
}

describe('arrayBuffer() over HTTP/2, against node:http2', () => {
  it('gets a 3 MiB upload whole and in order, past the initial windows, with or without content-length', async () => {
    server = await serve(
      async (request) => new Response(sha256(new Uint8Array(await request.arrayBuffer()))),
      { hostname: '127.0.0.1', port: 0 },
    );
    const body = new Uint8Array(randomBytes(3 * 1024 * 1024));
    const session = http2.connect(`http://127.0.0.1:${server.port}`);
    try {
      for (const declared of [true, false]) {
        const headers: http2.OutgoingHttpHeaders = { ':method': 'POST', ':path': '/upload' };
        if (declared) headers['content-length'] = body.length;
        const stream = session.request(headers);
        const got = answer(stream);
        await upload(stream, body);
        stream.end();
        expect(await got).toEqual({ status: 200, text: sha256(body) });
      }
    } finally {
      session.close();
    }
  });

  it('a client that resets its upload midway: only that arrayBuffer() rejects, the connection goes on', async () => {
    const outcomes: string[] = [];
    let rejected!: () => void;
    const sawRejection = new Promise<void>((r) => {
      rejected = r;
    });
    server = await serve(
      async (request) => {
        if (request.method === 'GET') return new Response('still here');
        try {
          const whole = await request.arrayBuffer();
          outcomes.push(`read ${whole.byteLength}`);
        } catch (e) {
          outcomes.push(`rejected: ${(e as Error).name}`);
          rejected();
        }
        return new Response('done');
      },
      { hostname: '127.0.0.1', port: 0 },
    );
    const session = http2.connect(`http://127.0.0.1:${server.port}`);
    try {
      const body = new Uint8Array(1024 * 1024);
      const stream = session.request({ ':method': 'POST', ':path': '/', 'content-length': body.length });
      stream.on('error', () => {});
      await upload(stream, body, 256 * 1024);
      stream.close(http2.constants.NGHTTP2_CANCEL);
      await sawRejection;
      expect(outcomes).toEqual([expect.stringMatching(/^rejected: /)]);
      expect(await answer(session.request({ ':path': '/' }).end())).toEqual({
        status: 200,
        text: 'still here',
      });
    } finally {
      session.close();
    }
  });
});
