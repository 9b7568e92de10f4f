import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { H1Transport } from '../src/websocket/h1-transport.js';
import { Outbox } from '../src/websocket/outbox.js';
import type { ByteReceiver } from '../src/websocket/transport.js';

/** A socket that records each write it is asked for: one entry per `_write` or `_writev`. */
function recordingSocket(): { socket: Duplex; writes: string[][] } {
  const writes: string[][] = [];
  const socket = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, done) {
      writes.push([chunk.toString()]);
      done();
    },
    writev(chunks, done) {
      writes.push(chunks.map((c) => Buffer.from(c.chunk as Uint8Array).toString()));
      done();
    },
  });
  return { socket, writes };
}

const receiver: ByteReceiver = { opened() {}, chunk() {}, end() {}, error() {} };
const bytes = (s: string) => new TextEncoder().encode(s);
const nextTurn = () => new Promise((r) => setImmediate(r));

describe('HTTP/1.1 WebSocket transport: writes per turn', () => {
  it('sends the frames queued in one turn in one write, after the 101 head', async () => {
    const { socket, writes } = recordingSocket();
    const outbox = new Outbox();
    new H1Transport(socket, 'HEAD', new Uint8Array(0)).start(receiver, outbox);
    for (const m of ['a', 'b', 'c', 'd']) outbox.push(bytes(m)); // four answers in one turn
    expect(writes).toEqual([['HEAD']]); // nothing yet: they go at the end of the turn
    await nextTurn();
    expect(writes).toEqual([['HEAD'], ['a', 'b', 'c', 'd']]);
    outbox.push(bytes('e')); // a later turn: a write of its own
    await nextTurn();
    expect(writes).toEqual([['HEAD'], ['a', 'b', 'c', 'd'], ['e']]);
  });

  it('ends the socket after the last frames once the outbox ended (RFC 6455 §7.1.1)', async () => {
    const { socket, writes } = recordingSocket();
    let finished = false;
    socket.on('finish', () => {
      finished = true;
    });
    const outbox = new Outbox();
    new H1Transport(socket, 'HEAD', new Uint8Array(0)).start(receiver, outbox);
    outbox.push(bytes('close frame'));
    outbox.end();
    await nextTurn();
    expect(writes).toEqual([['HEAD'], ['close frame']]);
    expect(finished).toBe(true);
  });

  it('writes nothing to a socket destroyed before the turn ended', async () => {
    const { socket, writes } = recordingSocket();
    const outbox = new Outbox();
    new H1Transport(socket, 'HEAD', new Uint8Array(0)).start(receiver, outbox);
    outbox.push(bytes('late'));
    socket.destroy();
    await nextTurn();
    expect(writes).toEqual([['HEAD']]);
  });
});
