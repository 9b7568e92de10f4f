import { describe, expect, it } from 'vitest';
import { openSocket, textFrame } from './websocket-fake-transport.js';

// RFC 9113 §5.2 / §6.9: over HTTP/2 the receiver decides when the peer may send more, by
// returning credit (WINDOW_UPDATE). A WebSocket returns credit for received bytes only once the
// messages they carry are consumed, so an application that stops consuming stops its peer.
describe('received bytes are credited back only as messages are consumed', () => {
  it('with message events, a chunk is credited once its messages were dispatched', () => {
    const { socket, transport } = openSocket();
    const seen: unknown[] = [];
    socket.onmessage = (e) => {
      // Dispatch is consumption: nothing of this chunk is credited while the listener runs.
      expect(transport.acked).toBe(0);
      seen.push(e.data);
    };
    const chunk = textFrame('hello');
    transport.receiver.chunk(chunk);
    expect(seen).toEqual(['hello']);
    expect(transport.acked).toBe(chunk.length);
  });

  it('with manualAck, credit waits for ack() and later chunks wait unparsed', () => {
    const { socket, transport } = openSocket();
    const got: unknown[] = [];
    socket.manualAck();
    socket.incoming.subscribe((m) => got.push(m));
    const a = textFrame('a');
    const b = textFrame('b');
    transport.receiver.chunk(a);
    transport.receiver.chunk(b);
    // 'a' is with the application; 'b' has not even been parsed, and nothing is credited.
    expect(got).toEqual(['a']);
    expect(transport.acked).toBe(0);
    expect(transport.paused).toBe(true); // TCP: stop reading too
    socket.ack();
    expect(got).toEqual(['a', 'b']);
    expect(transport.acked).toBe(a.length);
    socket.ack();
    expect(transport.acked).toBe(a.length + b.length);
    expect(transport.paused).toBe(false);
  });

  it('a partial frame is credited as it is parsed, so a message larger than the window can arrive', () => {
    const { socket, transport } = openSocket();
    const got: unknown[] = [];
    socket.manualAck();
    socket.incoming.subscribe((m) => got.push(m));
    const frame = textFrame('x'.repeat(1000));
    transport.receiver.chunk(frame.subarray(0, 500));
    // No message yet: the bytes sit in the codec (bounded by maxMessageSize), credit returned.
    expect(transport.acked).toBe(500);
    transport.receiver.chunk(frame.subarray(500));
    expect(got).toHaveLength(1);
    expect(transport.acked).toBe(500);
    socket.ack();
    expect(transport.acked).toBe(frame.length);
  });
});
