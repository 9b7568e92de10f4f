import { describe, expect, it } from 'vitest';
import { encodeFrame, Opcode } from '../src/core.js';
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
});
