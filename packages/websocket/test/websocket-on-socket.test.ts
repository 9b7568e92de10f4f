import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type CloseInfo, type WebSocketMessage, webSocketOnSocket } from '../src/index.js';

let server: net.Server | undefined;
afterEach(() => server?.close());

// Both ends of a WebSocket over TCP, each a socketFount → webSocketTube → socketDrain pipeline
// (handshake left out: it belongs to HTTP). The client masks, the server does not (RFC 6455 §5.1);
// the close handshake (§7) ends both sockets.
describe('webSocketOnSocket', () => {
  it('runs a client and a server over a TCP connection, echo then close 4000', async () => {
    let serverClosed: Promise<CloseInfo> | undefined;
    server = net.createServer((socket) => {
      webSocketOnSocket(socket, { role: 'server' }, (ws) => {
        ws.messages.subscribe((m) => ws.send(m));
        serverClosed = ws.closed;
      }).subscribe();
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const got: WebSocketMessage[] = [];
    let clientClosed!: Promise<CloseInfo>;
    const done = new Promise<void>((resolve) => {
      webSocketOnSocket(socket, { role: 'client' }, (ws) => {
        clientClosed = ws.closed;
        ws.messages.subscribe((m) => {
          got.push(m);
          if (got.length === 2) ws.close(4000, 'done');
        });
        ws.send('ünïcode ✓');
        ws.send(new Uint8Array([0, 1, 2, 255]));
      }).subscribe({ complete: resolve });
    });
    await done;
    expect(got).toEqual(['ünïcode ✓', new Uint8Array([0, 1, 2, 255])]);
    expect(await clientClosed).toEqual({ code: 4000, reason: '', wasClean: true });
    expect(await serverClosed).toEqual({ code: 4000, reason: 'done', wasClean: true });
  });
});
