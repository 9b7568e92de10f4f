/**
 * h2-flow's `requestBodyTimeout` through `serve()`: a raw HTTP/2 client sends a POST's headers and
 * a few octets, then nothing. The handler awaiting `request.arrayBuffer()` must see it reject and
 * `request.signal` abort; the client gets 408 with END_STREAM and RST_STREAM NO_ERROR (RFC 9113
 * §8.1); the connection is not torn down and another client is served. A 200 ms limit through
 * `connection` keeps it quick; only outcomes are asserted, never durations.
 */
import * as http2 from 'node:http2';
import net from 'node:net';
import {
  CONNECTION_PREFACE,
  type EncodedFieldBlock,
  encodeFrames,
  type Frame,
  FrameSplitter,
  HpackDecoder,
  HpackEncoder,
  parseFrame,
} from '@h2tubes/h2-frames';
import { afterEach, describe, expect, it } from 'vitest';
import { type Server, serve } from '../src/index.js';

let server: Server | undefined;
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await server?.close(0);
  server = undefined;
});

async function until(pred: () => boolean, ms = 10_000): Promise<void> {
  for (let waited = 0; waited < ms && !pred(); waited += 10) await new Promise((r) => setTimeout(r, 10));
}

/** A raw client: preface, empty SETTINGS, ACKs the server's; every frame it receives is kept. */
async function rawClient(
  port: number,
): Promise<{ frames: Frame[]; send(...fs: (Frame | EncodedFieldBlock)[]): void; closed(): boolean }> {
  const socket = net.connect(port, '127.0.0.1');
  sockets.push(socket);
  await new Promise((r) => socket.once('connect', r));
  const frames: Frame[] = [];
  let closed = false;
  const splitter = new FrameSplitter();
  const send = (...fs: (Frame | EncodedFieldBlock)[]): void => {
    if (!socket.destroyed) socket.write(encodeFrames(fs));
  };
  socket.on('data', (c: Buffer) =>
    splitter.push(c, (raw) => {
      const f = parseFrame(raw);
      frames.push(f);
      if (f.type === 'SETTINGS' && !f.ack) send({ type: 'SETTINGS', streamId: 0, ack: true, settings: [] });
    }),
  );
  socket.on('error', () => {});
  socket.on('close', () => {
    closed = true;
  });
  socket.write(CONNECTION_PREFACE);
  send({ type: 'SETTINGS', streamId: 0, ack: false, settings: [] });
  return { frames, send, closed: () => closed };
}

async function nodeGet(port: number, path: string): Promise<{ status: number; body: string }> {
  const client = http2.connect(`http://127.0.0.1:${port}`);
  client.on('error', () => {});
  try {
    return await new Promise((resolve, reject) => {
      const req = client.request({ ':path': path });
      let status = 0;
      let body = '';
      req.setEncoding('utf8');
      req.on('response', (h) => {
        status = Number(h[':status']);
      });
      req.on('data', (c: string) => {
        body += c;
      });
      req.on('end', () => resolve({ status, body }));
      req.on('error', reject);
    });
  } finally {
    client.close();
  }
}

describe('requestBodyTimeout through serve()', () => {
  it('a body that stalls: arrayBuffer() rejects, signal aborts, 408 + RST_STREAM NO_ERROR, others served', async () => {
    const seen: { rejected?: unknown; aborted?: boolean } = {};
    const reported: unknown[] = [];
    server = await serve(
      async (request) => {
        if (new URL(request.url).pathname === '/other') return new Response('ok');
        try {
          await request.arrayBuffer();
        } catch (e) {
          seen.rejected = e;
        }
        seen.aborted = request.signal.aborted;
        return new Response('too late');
      },
      {
        connection: { requestBodyTimeoutMs: 200, minRequestBodyRate: 0 },
        reportError: (e) => reported.push(e),
      },
    );
    const client = await rawClient(server.port);
    const post: EncodedFieldBlock = {
      type: 'HEADER_BLOCK',
      kind: 'HEADERS',
      streamId: 1,
      endStream: false,
      priority: undefined,
      promisedStreamId: 0,
      block: new HpackEncoder().encode([
        { name: ':method', value: 'POST' },
        { name: ':scheme', value: 'http' },
        { name: ':authority', value: `127.0.0.1:${server.port}` },
        { name: ':path', value: '/upload' },
        { name: 'content-length', value: '1000000' },
      ]),
    };
    client.send(post, {
      type: 'DATA',
      streamId: 1,
      endStream: false,
      data: new Uint8Array(3),
      padLength: undefined,
    });
    await until(() => client.frames.some((f) => f.type === 'RST_STREAM') && seen.aborted !== undefined);
    const decoder = new HpackDecoder();
    const onStream = client.frames
      .filter((f) => f.streamId === 1)
      .map((f) =>
        f.type === 'HEADERS'
          ? `HEADERS :status ${decoder.decode(f.fragment).fields[0]?.value}${f.endStream ? ' ES' : ''}`
          : f.type === 'RST_STREAM'
            ? `RST_STREAM ${String(f.errorCode)}`
            : f.type,
      );
    expect(onStream).toEqual(['HEADERS :status 408 ES', 'RST_STREAM NO_ERROR']);
    expect(seen.rejected).toBeInstanceOf(Error);
    expect(seen.aborted).toBe(true);
    expect(client.frames.some((f) => f.type === 'GOAWAY')).toBe(false);
    expect(client.closed()).toBe(false);
    await expect(nodeGet(server.port, '/other')).resolves.toEqual({ status: 200, body: 'ok' });
    expect(reported).toEqual([]);
  });
});
