import { Opcode } from '@h2tubes/websocket/core';
import { of, Subject } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ServerWebSocket, type WebSocketCloseEvent } from '../src/websocket/server-websocket.js';
import { clientFrame, FakeTransport, openSocket, textFrame } from './websocket-fake-transport.js';

// The WebSocket API surface of ServerWebSocket (what Deno's and Hono's upgradeWebSocket hand out),
// driven through a transport fake that records what the socket does with it.

afterEach(() => {
  vi.restoreAllMocks();
});

const closeFrame = (code: number) => clientFrame(Opcode.Close, new Uint8Array([code >> 8, code & 0xff]));

describe('readyState transitions (WebSocket API §readyState)', () => {
  it('throws InvalidStateError on send before open, and opens once however often the transport says so', () => {
    const transport = new FakeTransport();
    transport.start = (receiver, outbox) => {
      transport.receiver = receiver;
      transport.outbox = outbox;
    };
    const opened = () => transport.receiver.opened();
    const socket = new ServerWebSocket(transport, 'ws://h/', '', 'h2');
    let opens = 0;
    socket.onopen = () => opens++;
    socket.start();
    expect(socket.readyState).toBe(ServerWebSocket.CONNECTING);
    expect(() => socket.send('early')).toThrow(expect.objectContaining({ name: 'InvalidStateError' }));
    opened();
    opened();
    expect(opens).toBe(1);
    expect(socket.readyState).toBe(ServerWebSocket.OPEN);
  });

  it('ignores send and a second close once closing; the close reason defaults to empty', async () => {
    const { socket, transport } = openSocket();
    socket.close();
    socket.close(4000, 'again');
    socket.send('after close');
    transport.takeAll();
    expect(transport.writtenOpcodes()).toEqual([Opcode.Close]);
    transport.receiver.chunk(closeFrame(1000));
    const info = await socket.closed;
    expect(info.wasClean).toBe(true);
  });

  it('does not deliver a message that arrives after the server sent its Close (RFC 6455 §1.4)', async () => {
    const { socket, transport } = openSocket();
    const seen: unknown[] = [];
    socket.onmessage = (e) => seen.push(e.data);
    socket.close(1000);
    transport.receiver.chunk(textFrame('late'));
    transport.receiver.chunk(closeFrame(1000));
    await socket.closed;
    expect(seen).toEqual([]);
  });

  it('closes with 1006 and the reason of a transport error that is not an Error', async () => {
    const { socket, transport } = openSocket();
    const events: string[] = [];
    socket.onerror = () => events.push('error');
    socket.onclose = (e) => events.push(`close ${e.code} ${e.reason} ${e.wasClean}`);
    transport.receiver.error('stream reset by peer');
    const info = await socket.closed;
    expect(info.code).toBe(1006);
    expect(info.reason).toBe('stream reset by peer');
    expect(transport.aborted).toBe(true);
    expect(events).toEqual(['error', 'close 1006 stream reset by peer false']);
  });
});

describe('incoming (the Rx form of message events)', () => {
  it('can be subscribed once; a second subscriber gets an error', () => {
    const { socket } = openSocket();
    socket.incoming.subscribe();
    const errors: string[] = [];
    socket.incoming.subscribe({ error: (e: Error) => errors.push(e.message) });
    expect(errors).toEqual(['incoming can be subscribed once']);
  });

  it('completes at once when subscribed after the close', async () => {
    const { socket, transport } = openSocket();
    transport.receiver.error(new Error('gone'));
    await socket.closed;
    let completed = false;
    socket.incoming.subscribe({ complete: () => (completed = true) });
    expect(completed).toBe(true);
  });

  it('credits the bytes of unacknowledged messages back when the socket closes', async () => {
    const { socket, transport } = openSocket();
    socket.manualAck();
    const got: unknown[] = [];
    socket.incoming.subscribe((m) => got.push(m));
    const a = textFrame('held');
    transport.receiver.chunk(a);
    expect(got).toEqual(['held']);
    expect(transport.acked).toBe(0);
    transport.receiver.error(new Error('gone'));
    await socket.closed;
    expect(transport.acked).toBe(a.length);
  });

  it('a chunk arriving while a listener runs waits for the current one, then is delivered in order', () => {
    const { socket, transport } = openSocket();
    const seen: unknown[] = [];
    socket.onmessage = (e) => {
      seen.push(e.data);
      if (e.data === 'first') transport.receiver.chunk(textFrame('second'));
      expect(seen.at(-1)).toBe(e.data);
    };
    transport.receiver.chunk(textFrame('first'));
    expect(seen).toEqual(['first', 'second']);
  });
});

describe('sendFrom', () => {
  it('drops messages emitted after close', () => {
    const { socket, transport } = openSocket();
    const source = new Subject<string>();
    socket.sendFrom(source);
    source.next('one');
    socket.close(1000);
    source.next('two');
    transport.takeAll();
    expect(transport.writtenOpcodes()).toEqual([Opcode.Text, Opcode.Close]);
  });

  it('fails with 1008 when the source emits past maxBufferedAmount', async () => {
    const { socket, transport } = openSocket({ maxBufferedAmount: 1000, sendHighWaterMark: 100 });
    socket.sendFrom(of('a'.repeat(400), 'b'.repeat(400), 'c'.repeat(400)));
    const info = await socket.closed;
    expect(info.code).toBe(1008);
    transport.takeAll();
    expect(transport.writtenOpcodes().at(-1)).toBe(Opcode.Close);
  });
});

describe('binaryType', () => {
  it("'blob' delivers binary messages as Blobs with the exact bytes", async () => {
    const { socket, transport } = openSocket();
    socket.binaryType = 'blob';
    const got: unknown[] = [];
    socket.onmessage = (e) => got.push(e.data);
    transport.receiver.chunk(clientFrame(Opcode.Binary, new Uint8Array([1, 2, 3])));
    expect(got[0]).toBeInstanceOf(Blob);
    expect([...new Uint8Array(await (got[0] as Blob).arrayBuffer())]).toEqual([1, 2, 3]);
  });
});

describe('listeners (EventTarget, guarded)', () => {
  it('calls handleEvent of listener objects, ignores a null listener, and removes by the same object', () => {
    const { socket, transport } = openSocket();
    const seen: unknown[] = [];
    const listener = { handleEvent: (e: Event) => seen.push((e as MessageEvent).data) };
    socket.addEventListener('message', null);
    socket.addEventListener('message', listener);
    transport.receiver.chunk(textFrame('one'));
    socket.removeEventListener('message', null);
    socket.removeEventListener('message', listener);
    transport.receiver.chunk(textFrame('two'));
    expect(seen).toEqual(['one']);
  });

  it('calls a listener added twice once per event, as EventTarget does', () => {
    const { socket, transport } = openSocket();
    const seen: unknown[] = [];
    const listener = (e: Event) => seen.push((e as MessageEvent).data);
    socket.addEventListener('message', listener);
    socket.addEventListener('message', listener);
    transport.receiver.chunk(textFrame('once'));
    expect(seen).toEqual(['once']);
  });

  it('logs a listener that throws a non-Error and goes on', () => {
    const { socket, transport } = openSocket();
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const seen: unknown[] = [];
    socket.addEventListener('message', () => {
      throw 'plain string';
    });
    socket.addEventListener('message', (e) => seen.push((e as MessageEvent).data));
    transport.receiver.chunk(textFrame('m'));
    expect(seen).toEqual(['m']);
    expect(errors).toHaveBeenCalledWith("[h2tubes] a WebSocket 'message' listener failed: plain string");
  });

  it('on* properties read back, replace the previous handler and clear with null', () => {
    const { socket, transport } = openSocket();
    const seen: string[] = [];
    expect(socket.onmessage).toBeNull();
    const first = () => seen.push('first');
    socket.onmessage = first;
    expect(socket.onmessage).toBe(first);
    socket.onmessage = () => seen.push('second');
    transport.receiver.chunk(textFrame('x'));
    socket.onmessage = null;
    expect(socket.onmessage).toBeNull();
    transport.receiver.chunk(textFrame('y'));
    expect(seen).toEqual(['second']);
    const onclose = (_e: WebSocketCloseEvent) => {};
    socket.onclose = onclose;
    socket.onerror = null;
    expect(socket.onclose).toBe(onclose);
    expect(socket.onerror).toBeNull();
    expect(socket.onopen).toBeNull();
  });
});
