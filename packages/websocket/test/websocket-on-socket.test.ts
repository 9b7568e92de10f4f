import * as net from 'node:net';
import { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { type CloseInfo, Opcode, type WebSocketMessage, webSocketOnSocket } from '../src/index.js';
import { clientFrame } from './endpoint-harness.js';

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

  it('stops reading while the peer does not read what it is sent, and reads again once it does', async () => {
    const socket = new PeerThatReadsLater();
    const received: WebSocketMessage[] = [];
    const run = webSocketOnSocket(socket, { role: 'server' }, (ws) =>
      ws.messages.subscribe((m) => {
        received.push(m);
        ws.send(m); // echo: stays in the write buffer while the peer does not read
      }),
    ).subscribe();
    socket.push(clientFrame(Opcode.Text, 'one'));
    await turns();
    expect(received).toEqual(['one']);
    socket.push(clientFrame(Opcode.Text, 'two'));
    await turns();
    expect(received).toEqual(['one']); // not read: answering it would only grow the buffer
    socket.startReading();
    await turns();
    expect(received).toEqual(['one', 'two']);
    expect(socket.delivered).toBe(2);
    run.unsubscribe();
  });
});

/** A socket whose peer reads nothing until `startReading()`: writes stay buffered, then 'drain'. */
class PeerThatReadsLater extends Duplex {
  delivered = 0;
  private reading = false;
  private held: (() => void)[] = [];
  constructor() {
    super({ writableHighWaterMark: 1 });
  }
  override _read(): void {}
  override _write(_chunk: Buffer, _encoding: string, done: () => void): void {
    if (!this.reading) {
      this.held.push(() => {
        this.delivered++;
        done();
      });
      return;
    }
    this.delivered++;
    done();
  }
  startReading(): void {
    this.reading = true;
    for (const release of this.held.splice(0)) release();
  }
}

/** A few turns of the event loop: stream events and their reactions have run. */
async function turns(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}
