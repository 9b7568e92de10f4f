import { describe, expect, it } from 'vitest';
import {
  closePayload,
  encodeFrame,
  Opcode,
  parseClosePayload,
  WebSocketEndpoint,
  WebSocketUsageError,
} from '../src/core.js';
import { clientFrame, harness } from './endpoint-harness.js';

// What the application may call in which state. RFC 6455 §5.5.1: after sending a Close an endpoint
// sends no more data frames; §7.1.7: failing is a Close frame at most once, then the end.
describe('the endpoint API by state', () => {
  it('refuses send() and sendFragment() once closing, with a WebSocketUsageError that says why', () => {
    const h = harness();
    h.endpoint.close(1000);
    expect(() => h.endpoint.send('late')).toThrow(WebSocketUsageError);
    expect(() => h.endpoint.send('late')).toThrow('send() while closing');
    expect(() => h.endpoint.sendFragment(Opcode.Text, new Uint8Array(1), true)).toThrow(
      'send() while closing',
    );
    expect(h.sentFrames().map((f) => f.opcode)).toEqual([Opcode.Close]);
  });

  it('sends a message in fragments that the peer assembles into one (§5.4)', () => {
    const server = harness();
    const client = harness({ role: 'client' });
    server.endpoint.sendFragment(Opcode.Text, new TextEncoder().encode('hé'), false);
    server.endpoint.sendFragment(0, new TextEncoder().encode('llo'), true);
    const frames = server.sentFrames();
    expect(frames.map((f) => [f.opcode, f.fin])).toEqual([
      [Opcode.Text, false],
      [Opcode.Continuation, true],
    ]);
    for (const f of frames) client.endpoint.receive(encodeFrame(f)); // unmasked, as a server sends
    expect(client.messages).toEqual(['héllo']);
  });

  it('ping() sends an empty Ping by default, refuses more than 125 bytes, and sends nothing once closing', () => {
    const h = harness();
    h.endpoint.ping();
    expect(h.sentFrames()).toMatchObject([{ opcode: Opcode.Ping, payload: new Uint8Array(0) }]);
    expect(() => h.endpoint.ping(new Uint8Array(126))).toThrow('a ping payload is at most 125 bytes');
    h.endpoint.close(1000);
    h.endpoint.ping(new Uint8Array([1]));
    expect(h.sentFrames().map((f) => f.opcode)).toEqual([Opcode.Ping, Opcode.Close]);
  });

  it('close() without a code sends an empty Close; a reason without a code is refused (§5.5.1)', () => {
    const h = harness();
    expect(() => h.endpoint.close(undefined, 'why')).toThrow('a close reason needs a code');
    expect(h.sentFrames()).toEqual([]);
    h.endpoint.close();
    expect(h.sentFrames()).toMatchObject([{ opcode: Opcode.Close, payload: new Uint8Array(0) }]);
  });

  it('a second close() sends no second Close, but still refuses a code that may not be sent', () => {
    const h = harness();
    h.endpoint.close(1000);
    h.endpoint.close(4000, 'again');
    expect(() => h.endpoint.close(1005)).toThrow('close code 1005 may not be sent');
    expect(h.sentFrames().filter((f) => f.opcode === Opcode.Close)).toHaveLength(1);
    expect(h.sentCloseCode()).toBe(1000);
  });

  it('fail() after the connection is closed neither writes nor reports again (§7.1.7)', () => {
    const h = harness();
    h.endpoint.receive(clientFrame(Opcode.Close, closePayload(1000)));
    const closed = h.closed;
    h.endpoint.fail(1011, 'too late');
    expect(h.closed).toBe(closed);
    expect(h.sentFrames().filter((f) => f.opcode === Opcode.Close)).toHaveLength(1);
  });

  it('cuts a failure reason to 123 bytes on the wire without splitting a character; the event keeps it whole', () => {
    const h = harness();
    const reason = 'é'.repeat(100); // 200 bytes of UTF-8
    h.endpoint.fail(1008, reason);
    const sent = parseClosePayload(h.sentFrames()[0]?.payload ?? new Uint8Array(0));
    expect(sent.code).toBe(1008);
    expect(sent.reason).toBe('é'.repeat(61)); // 122 bytes: the 62nd é would need bytes 123 and 124
    expect(h.closed).toEqual({ code: 1008, reason, wasClean: false });
  });

  it('ignores frames that follow the peer’s Close in the same chunk (§5.5.1: Close is the last frame)', () => {
    const h = harness();
    const close = clientFrame(Opcode.Close, closePayload(1000));
    const after = clientFrame(Opcode.Text, 'after close');
    const chunk = new Uint8Array(close.length + after.length);
    chunk.set(close);
    chunk.set(after, close.length);
    h.endpoint.receive(chunk);
    expect(h.messages).toEqual([]);
    expect(h.closed).toEqual({ code: 1000, reason: '', wasClean: true });
  });

  it('lets an exception thrown by the application’s message handler out of receive(), not as a protocol failure', () => {
    const written: Uint8Array[] = [];
    const endpoint = new WebSocketEndpoint(
      { role: 'server' },
      {
        write: (b) => written.push(b),
        message: () => {
          throw new Error('handler bug');
        },
        closed: () => {
          throw new Error('closed must not be reported');
        },
      },
    );
    expect(() => endpoint.receive(clientFrame(Opcode.Text, 'x'))).toThrow('handler bug');
    expect(endpoint.state).toBe('open');
    expect(written).toEqual([]);
  });
});
