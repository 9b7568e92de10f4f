import { type CloseInfo, FrameParser, Opcode } from '@h2tubes/websocket/core';
import { afterEach, describe, expect, it } from 'vitest';
import { serve } from '../src/serve.js';
import type { Server } from '../src/server-lifecycle.js';
import { type ServerWebSocket, upgradeWebSocket } from '../src/websocket/index.js';
import { rawConnect, readUntil } from './raw-http1.js';
import { clientFrame, textFrame } from './websocket-fake-transport.js';

// The HTTP/1.1 WebSocket transport (RFC 6455 §4, §5) against a raw TCP client: bytes sent with
// the handshake, a client that leaves before the 101, and a message larger than the socket buffers.

let server: Server | undefined;
afterEach(async () => {
  await server?.close(100);
  server = undefined;
});

const HANDSHAKE =
  'GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';

/** Server frames (unmasked, RFC 6455 §5.1) parsed from what arrived after the 101's head. */
function framesAfterHead(raw: Buffer): { opcode: number; payload: Uint8Array }[] {
  const out: { opcode: number; payload: Uint8Array }[] = [];
  const parser = new FrameParser({ maxFrameSize: 1 << 30 });
  parser.push(new Uint8Array(raw.subarray(raw.indexOf('\r\n\r\n') + 4)), (f) =>
    out.push({ opcode: f.opcode, payload: f.payload }),
  );
  return out;
}

describe('WebSocket over HTTP/1.1, raw TCP client', () => {
  it('delivers a frame that arrived in the same packet as the handshake (RFC 6455 §4.1: the client may send at once)', async () => {
    server = await serve((r) => {
      const { socket, response } = upgradeWebSocket(r);
      socket.onmessage = (e) => socket.send(`echo ${String(e.data)}`);
      return response;
    });
    const client = await rawConnect(server.port);
    const all: Buffer[] = [];
    client.on('data', (c: Buffer) => all.push(c));
    client.write(Buffer.concat([Buffer.from(HANDSHAKE, 'latin1'), textFrame('early')]));
    await readUntil(client, /echo early/);
    const frames = framesAfterHead(Buffer.concat(all));
    expect(frames.map((f) => [f.opcode, new TextDecoder().decode(f.payload)])).toEqual([
      [Opcode.Text, 'echo early'],
    ]);
    client.destroy();
  });

  it('closes the socket 1006 when the client left before the handler returned the 101', async () => {
    let resolveClosed!: (info: CloseInfo) => void;
    const closed = new Promise<CloseInfo>((r) => {
      resolveClosed = r;
    });
    let resolveSeen!: () => void;
    const seen = new Promise<void>((r) => {
      resolveSeen = r;
    });
    server = await serve(async (r) => {
      const { socket, response } = upgradeWebSocket(r);
      void socket.closed.then(resolveClosed);
      resolveSeen();
      await new Promise<void>((resolve) => r.signal.addEventListener('abort', () => resolve()));
      return response;
    });
    const client = await rawConnect(server.port);
    client.write(HANDSHAKE);
    await seen;
    client.destroy();
    const info = await closed;
    expect(info).toMatchObject({
      code: 1006,
      wasClean: false,
      reason: 'the client went away before the upgrade',
    });
  });

  it('stops reading the TCP socket while the application holds a message unacked, and reads on after ack() (read backpressure)', async () => {
    let got = 0;
    let released = false;
    let application!: ServerWebSocket;
    server = await serve((r) => {
      const { socket, response } = upgradeWebSocket(r);
      application = socket;
      socket.manualAck();
      socket.incoming.subscribe(() => {
        got++;
        if (released) socket.ack();
      });
      return response;
    });
    const client = await rawConnect(server.port);
    client.write(HANDSHAKE);
    await readUntil(client, /\r\n\r\n/);
    const frame = clientFrame(Opcode.Binary, new Uint8Array(64 << 10));
    const count = 256; // 16 MiB: more than the loopback socket buffers hold
    for (let i = 0; i < count; i++) client.write(frame);
    await new Promise((r) => setTimeout(r, 300));
    // The first message is with the application; the server read no further, so the rest waits
    // in the client's socket and buffers instead of the server's memory.
    expect(got).toBe(1);
    expect(client.writableLength).toBeGreaterThan(0);
    released = true;
    application.ack();
    await expect.poll(() => got, { timeout: 10_000 }).toBe(count);
    expect(client.writableLength).toBe(0);
    client.destroy();
  });

  it('sends a 4 MiB message byte-exact to a client that reads only later (write backpressure)', async () => {
    const size = 4 << 20;
    const message = new Uint8Array(size);
    for (let i = 0; i < size; i += 4096) message[i] = (i >> 12) & 0xff;
    server = await serve((r) => {
      const { socket, response } = upgradeWebSocket(r);
      socket.onopen = () => socket.send(message);
      return response;
    });
    const client = await rawConnect(server.port);
    client.write(HANDSHAKE);
    const all: Buffer[] = [];
    let received = 0;
    const done = new Promise<void>((resolve) => {
      client.on('data', (c: Buffer) => {
        all.push(c);
        received += c.length;
        // The 101's head, then the frame: a 10-octet header (64-bit length) and the payload.
        const head = Buffer.concat(all).indexOf('\r\n\r\n') + 4;
        if (head > 3 && received - head >= size + 10) resolve();
      });
    });
    client.pause();
    await new Promise((r) => setTimeout(r, 100)); // the server meets a full socket meanwhile
    client.resume();
    await done;
    const frames = framesAfterHead(Buffer.concat(all));
    expect(frames).toHaveLength(1);
    expect(frames[0]?.opcode).toBe(Opcode.Binary);
    expect(Buffer.from(frames[0]?.payload ?? []).equals(Buffer.from(message))).toBe(true);
    client.write(clientFrame(Opcode.Close, new Uint8Array([0x03, 0xe8])));
    client.destroy();
  });
});
