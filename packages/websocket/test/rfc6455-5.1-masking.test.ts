import { describe, expect, it } from 'vitest';
import { applyMask, encodeFrame, Opcode } from '../src/core.js';
import { clientFrame, harness } from './endpoint-harness.js';

// RFC 6455 §5.1: "a client MUST mask all frames that it sends to the server"; a server that
// receives an unmasked frame closes the connection (1002). Likewise "a server MUST NOT mask any
// frames"; a client that receives a masked one closes.
describe('masking rules (RFC 6455 §5.1)', () => {
  it('a server fails the connection on an unmasked client frame with 1002', () => {
    const h = harness({ role: 'server' });
    h.endpoint.receive(encodeFrame({ fin: true, opcode: Opcode.Text, payload: new Uint8Array([0x61]) }));
    expect(h.messages).toEqual([]);
    expect(h.closed).toMatchObject({ code: 1002, wasClean: false });
    expect(h.sentCloseCode()).toBe(1002);
  });

  it('a client fails the connection on a masked server frame with 1002', () => {
    const h = harness({ role: 'client' });
    h.endpoint.receive(clientFrame(Opcode.Text, 'a'));
    expect(h.messages).toEqual([]);
    expect(h.closed).toMatchObject({ code: 1002, wasClean: false });
  });

  it('a server sends unmasked frames; a client masks every frame with a fresh key (§5.3)', () => {
    const server = harness({ role: 'server' });
    server.endpoint.send('hi');
    expect(server.sentFrames()[0]?.masked).toBe(false);
    const client = harness({ role: 'client' });
    client.endpoint.send('hi');
    client.endpoint.send('hi');
    const frames = client.sentFrames();
    expect(frames.every((f) => f.masked)).toBe(true);
    expect(new TextDecoder().decode(frames[0]?.payload)).toBe('hi');
  });

  it('masking a payload in pieces, each at its running key offset, equals masking it whole (§5.3)', () => {
    const key = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);
    const whole = Uint8Array.from({ length: 23 }, (_, i) => i * 11);
    const pieces = whole.slice();
    applyMask(whole, key);
    let offset = 0;
    for (const [from, to] of [
      [0, 3],
      [3, 4],
      [4, 9],
      [9, 23],
    ] as const) {
      offset = applyMask(pieces.subarray(from, to), key, offset);
    }
    expect(pieces).toEqual(whole);
    expect(offset).toBe(23 & 3);
  });
});
