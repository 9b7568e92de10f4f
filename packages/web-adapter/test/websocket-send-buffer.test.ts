import { from } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ServerWebSocket } from '../src/websocket/server-websocket.js';
import { FakeTransport, openSocket } from './websocket-fake-transport.js';

// Outgoing frames wait until the transport can take them (the HTTP/2 windows, RFC 9113 §6.9, or
// the socket's 'drain'); bufferedAmount reports them, as in the WebSocket API, and
// maxBufferedAmount bounds what one socket may hold.
describe('send buffer', () => {
  it('bufferedAmount counts queued frames until the transport takes them', () => {
    const { socket, transport } = openSocket();
    socket.send(new Uint8Array(1000));
    socket.send('abc');
    // 1000 + 4-byte header, 3 + 2-byte header (RFC 6455 §5.2, unmasked from a server).
    expect(socket.bufferedAmount).toBe(1004 + 5);
    transport.takeAll();
    expect(socket.bufferedAmount).toBe(0);
  });

  it('past maxBufferedAmount the queue is dropped and the connection fails with 1008', () => {
    const { socket, transport } = openSocket({ maxBufferedAmount: 10_000 });
    const events: string[] = [];
    let code: number | undefined;
    socket.onerror = () => events.push('error');
    socket.onclose = (e) => {
      events.push('close');
      code = e.code;
    };
    for (let i = 0; i < 9; i++) socket.send(new Uint8Array(1000));
    expect(events).toEqual([]);
    socket.send(new Uint8Array(1000)); // 10 × 1004 > 10,000
    expect(events).toEqual(['error', 'close']);
    expect(code).toBe(1008);
    expect(socket.readyState).toBe(socket.CLOSED);
    // What goes out is the Close frame alone, then the transport ends.
    transport.takeAll();
    expect(transport.writtenOpcodes()).toEqual([0x8]);
    expect(transport.outbox.ended).toBe(true);
  });

  it('sendFrom takes messages only while the queue is under the high-water mark', () => {
    const { socket, transport } = openSocket({ sendHighWaterMark: 3000 });
    const messages = Array.from({ length: 10 }, () => new Uint8Array(1000));
    socket.sendFrom(from(messages));
    // Three frames fill the outbox to the mark; the seven others wait, still counted.
    expect(transport.outbox.size).toBe(3 * 1004);
    expect(socket.bufferedAmount).toBe(3 * 1004 + 7 * 1000);
    transport.takeAll();
    expect(transport.writtenOpcodes()).toHaveLength(10);
    expect(socket.bufferedAmount).toBe(0);
  });

  it('sendFrom holds what its Observable emits before open and sends it on open', () => {
    const transport = new FakeTransport();
    const socket = new ServerWebSocket(transport, 'ws://x/', '', 'h2');
    socket.sendFrom(from(['early', 'too']));
    expect(socket.bufferedAmount).toBe(8); // 'early' + 'too', not yet framed
    socket.start(); // the response went out: open
    transport.takeAll();
    expect(transport.writtenOpcodes()).toEqual([0x1, 0x1]);
  });

  it('send() before open throws InvalidStateError, as the WebSocket API does', () => {
    const socket = new ServerWebSocket(new FakeTransport(), 'ws://x/', '', 'h2');
    expect(() => socket.send('x')).toThrow(/not open/);
  });
});
