import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { serve } from '../src/serve.js';
import type { Server } from '../src/server-lifecycle.js';
import { upgradeWebSocket } from '../src/websocket/index.js';
import { echoHandler, type ServerClose } from './websocket-echo-handler.js';

let server: Server | undefined;
afterEach(async () => {
  await server?.close(100);
  server = undefined;
});

/** The echo handler the other WebSocket end-to-end tests use too. */
async function echoServer(closes: ServerClose[] = []): Promise<Server> {
  server = await serve(echoHandler(closes));
  return server;
}

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

const text = (i: number) => `message ${i}: héllo wörld — 日本語 🚀 ${'é'.repeat(i % 50)}`;
const binary = (i: number) => Uint8Array.from({ length: (i * 37) % 3000 }, (_, k) => (k * 7 + i) & 0xff);

// RFC 6455 §4.2.2: the server answers the Upgrade with 101 and Sec-WebSocket-Accept; from then on
// frames flow both ways. The `ws` package is an independent client implementation.
describe('WebSocket over HTTP/1.1 Upgrade, against the ws client', () => {
  it('echoes 1,000 messages (multi-byte UTF-8 text and binary) and a 1 MiB binary, byte-exact', async () => {
    const s = await echoServer();
    const ws = await open(`ws://127.0.0.1:${s.port}/echo`);
    const sent: (string | Uint8Array)[] = [];
    for (let i = 0; i < 1000; i++) sent.push(i % 2 === 0 ? text(i) : binary(i));
    sent.push(Uint8Array.from({ length: 1 << 20 }, (_, k) => (k * 13) & 0xff));
    const received: (string | Uint8Array)[] = [];
    const done = new Promise<void>((resolve) => {
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        received.push(isBinary ? new Uint8Array(data) : data.toString('utf8'));
        if (received.length === sent.length) resolve();
      });
    });
    for (const m of sent) ws.send(m);
    await done;
    expect(received.length).toBe(sent.length);
    for (let i = 0; i < sent.length; i++) {
      const a = sent[i] as string | Uint8Array;
      const b = received[i] as string | Uint8Array;
      if (typeof a === 'string') expect(b).toBe(a);
      else expect(Buffer.from(b as Uint8Array).equals(Buffer.from(a)), `message ${i}`).toBe(true);
    }
    ws.close();
  });

  it('a close with code 4000 and a reason reaches the server, and the server echoes the code (§5.5.1)', async () => {
    const closes: ServerClose[] = [];
    const s = await echoServer(closes);
    const ws = await open(`ws://127.0.0.1:${s.port}/echo`);
    const clientSaw = new Promise<{ code: number; reason: string }>((resolve) =>
      ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })),
    );
    ws.close(4000, 'bye ✓');
    expect((await clientSaw).code).toBe(4000);
    expect(closes).toEqual([{ code: 4000, reason: 'bye ✓', wasClean: true }]);
  });

  it('a server-initiated close with 4001 and a reason reaches the client', async () => {
    server = await serve((request) => {
      const { socket, response } = upgradeWebSocket(request);
      socket.onopen = () => socket.close(4001, 'server says bye');
      return response;
    });
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/`);
    const got = await new Promise<{ code: number; reason: string }>((resolve) =>
      ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })),
    );
    expect(got).toEqual({ code: 4001, reason: 'server says bye' });
  });

  it('declines permessage-deflate: the 101 carries no Sec-WebSocket-Extensions (RFC 7692 §5)', async () => {
    const s = await echoServer();
    const ws = new WebSocket(`ws://127.0.0.1:${s.port}/`, { perMessageDeflate: true });
    const headers = new Promise<Record<string, unknown>>((resolve) =>
      ws.once('upgrade', (res) => resolve(res.headers)),
    );
    const opened = new Promise((resolve) => ws.once('open', resolve));
    await opened;
    expect((await headers)['sec-websocket-extensions']).toBeUndefined();
    expect(ws.extensions).toBe('');
    ws.close();
  });

  it('a handler that refuses answers a plain response on the upgrade socket', async () => {
    server = await serve(() => new Response('WebSocket not here', { status: 403 }));
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/`);
    const status = await new Promise<number>((resolve) =>
      ws.once('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        res.resume();
      }),
    );
    expect(status).toBe(403);
    ws.on('error', () => {}); // terminate() before 'open' reports an error we expect
    ws.terminate();
  });

  it('a refusal whose body fails is still sent: its status, and an empty body with content-length 0', async () => {
    const failing = new ReadableStream({
      pull() {
        throw new Error('the refusal page could not be read');
      },
    });
    server = await serve(() => new Response(failing, { status: 403 }));
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/`);
    const answer = await new Promise<{ status: number; length: string | undefined; body: string }>(
      (resolve) =>
        ws.once('unexpected-response', (_req, res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            body += c;
          });
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, length: res.headers['content-length'], body }),
          );
        }),
    );
    expect(answer).toEqual({ status: 403, length: '0', body: '' });
    ws.on('error', () => {});
    ws.terminate();
  });
});
