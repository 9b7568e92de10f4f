import type { Socket } from 'node:net';
import { FrameParser, Opcode, parseClosePayload } from '@h2tubes/websocket/core';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { serve } from '../src/serve.js';
import type { Server } from '../src/server-lifecycle.js';
import { upgradeWebSocket } from '../src/websocket/index.js';
import { OpenWebSockets } from '../src/websocket/open-websockets.js';
import { ServerWebSocket } from '../src/websocket/server-websocket.js';
import { rawConnect } from './raw-http1.js';
import { echoHandler, type ServerClose } from './websocket-echo-handler.js';
import { clientFrame, FakeTransport } from './websocket-fake-transport.js';
import { openH2WebSocket } from './websocket-h2-client.js';

let server: Server | undefined;
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const f of cleanups.splice(0)) f();
  await server?.close(100);
  server = undefined;
});

/**
 * Longer than any test may run: a `close()` that resolves was not cut by its timer, it drained —
 * every WebSocket ended its close handshake and its connection.
 */
const NEVER = 60_000;

function openWs(port: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    cleanups.push(() => ws.terminate());
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function closeOf(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) =>
    ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })),
  );
}

const goingAway = { code: 1001, reason: 'the server is shutting down' };

// RFC 6455 §7.4.1: 1001 "indicates that an endpoint is 'going away', such as a server going
// down". server.close() starts the close handshake of every open WebSocket with it.
describe('server.close() closes every WebSocket with 1001 Going Away', () => {
  it('over HTTP/1.1 (ws client): each client gets 1001, the handler sees it, the server ends the TCP connection', async () => {
    const closes: ServerClose[] = [];
    server = await serve(echoHandler(closes));
    const clients = [await openWs(server.port), await openWs(server.port)];
    const seen = clients.map(closeOf);
    const sockets = clients.map((ws) => (ws as unknown as { _socket: Socket })._socket);
    await server.close(NEVER);
    expect(await Promise.all(seen)).toEqual([goingAway, goingAway]);
    expect(sockets.every((s) => s.destroyed)).toBe(true);
    // The clients echoed the code: a completed close handshake on the server's side (§7.1.4).
    expect(closes).toEqual([
      expect.objectContaining({ code: 1001, wasClean: true }),
      expect.objectContaining({ code: 1001, wasClean: true }),
    ]);
  });

  it('over HTTP/1.1, a client that never answers the Close is dropped at closeTimeoutMs (1006)', async () => {
    const closes: ServerClose[] = [];
    server = await serve((request) => {
      const { socket, response } = upgradeWebSocket(request, { closeTimeoutMs: 200 });
      socket.onclose = (e) => closes.push({ code: e.code, reason: e.reason, wasClean: e.wasClean });
      return response;
    });
    const tcp = await rawConnect(server.port);
    cleanups.push(() => tcp.destroy());
    tcp.write(
      'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    const received: Buffer[] = [];
    tcp.on('data', (c: Buffer) => received.push(c));
    const tcpClosed = new Promise<void>((resolve) => tcp.once('close', () => resolve()));
    await expect.poll(() => Buffer.concat(received).includes('\r\n\r\n')).toBe(true);
    const closing = server.close(NEVER);
    await tcpClosed; // the server dropped the connection: we never sent our Close
    await closing;
    const all = Buffer.concat(received);
    const frames: { opcode: number; payload: Uint8Array }[] = [];
    new FrameParser({ maxFrameSize: 1 << 20 }).push(all.subarray(all.indexOf('\r\n\r\n') + 4), (f) =>
      frames.push(f),
    );
    expect(frames.map((f) => f.opcode)).toEqual([Opcode.Close]);
    expect(parseClosePayload((frames[0] as { payload: Uint8Array }).payload)).toEqual(goingAway);
    expect(closes).toEqual([{ code: 1006, reason: 'closing timeout', wasClean: false }]);
  });

  it('over HTTP/2 (node:http2 client): each stream gets 1001 and ends, then the connection with GOAWAY', async () => {
    const closes: ServerClose[] = [];
    server = await serve(echoHandler(closes));
    const a = await openH2WebSocket(server.port, '/');
    cleanups.push(() => a.session.destroy());
    const b = await openH2WebSocket(server.port, '/', a.session);
    const goaway = new Promise<void>((resolve) => a.session.once('goaway', () => resolve()));
    const ended = [a, b].map((ws) => new Promise<void>((resolve) => ws.stream.once('end', resolve)));
    const sessionClosed = new Promise<void>((resolve) => a.session.once('close', resolve));
    await server.close(NEVER);
    expect(await a.closed).toEqual({ ...goingAway, wasClean: true });
    expect(await b.closed).toEqual({ ...goingAway, wasClean: true });
    await Promise.all(ended); // RFC 8441 §5: END_STREAM after the close handshake
    await goaway; // RFC 9113 §6.8
    await sessionClosed;
    expect(closes).toEqual([
      { code: 1001, reason: '', wasClean: true },
      { code: 1001, reason: '', wasClean: true },
    ]);
  });

  it('a socket still opening when the server shuts down goes away as soon as it opens', () => {
    const open = new OpenWebSockets();
    open.goAway();
    const transport = new FakeTransport();
    const socket = new ServerWebSocket(transport, 'ws://localhost/', '', 'h2');
    const events: string[] = [];
    socket.onopen = () => events.push('open');
    open.track(socket);
    expect(socket.readyState).toBe(socket.CONNECTING);
    socket.start();
    expect(events).toEqual(['open']);
    expect(socket.readyState).toBe(socket.CLOSING);
    transport.takeAll();
    expect(transport.writtenOpcodes()).toEqual([Opcode.Close]);
  });

  it('forgets a socket once it closed', async () => {
    const open = new OpenWebSockets();
    const transport = new FakeTransport();
    const socket = new ServerWebSocket(transport, 'ws://localhost/', '', 'h2');
    open.track(socket);
    socket.start();
    expect(open.size).toBe(1);
    socket.close(1000);
    transport.receiver.chunk(clientFrame(Opcode.Close, Uint8Array.of(0x03, 0xe8))); // the peer's Close, 1000
    await socket.closed;
    expect(open.size).toBe(0);
  });
});
