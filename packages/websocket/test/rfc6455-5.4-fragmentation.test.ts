import { describe, expect, it } from 'vitest';
import { Opcode } from '../src/core.js';
import { clientFrame, harness } from './endpoint-harness.js';

const utf8 = (s: string) => new TextEncoder().encode(s);

// RFC 6455 §5.4: a message may be split into fragments (first frame with the opcode, then
// Continuation frames, the last with FIN); control frames may be injected between fragments, and
// fragments of different messages are never interleaved.
describe('message assembly (RFC 6455 §5.4)', () => {
  it('assembles fragments with a Ping between them and answers the Ping at once', () => {
    const h = harness();
    h.endpoint.receive(clientFrame(Opcode.Text, 'hel', false));
    h.endpoint.receive(clientFrame(Opcode.Ping, 'p'));
    h.endpoint.receive(clientFrame(Opcode.Continuation, 'lo', true));
    expect(h.messages).toEqual(['hello']);
    expect(h.sentFrames().map((f) => f.opcode)).toEqual([Opcode.Pong]);
    expect(new TextDecoder().decode(h.sentFrames()[0]?.payload)).toBe('p'); // §5.5.3: same payload
  });

  it('validates UTF-8 across fragments: a character split between frames is fine (§8.1)', () => {
    const h = harness();
    const euro = utf8('€'); // e2 82 ac
    h.endpoint.receive(clientFrame(Opcode.Text, euro.subarray(0, 1), false));
    h.endpoint.receive(clientFrame(Opcode.Continuation, euro.subarray(1), true));
    expect(h.messages).toEqual(['€']);
  });

  it('fails with 1007 on invalid UTF-8 in the first fragment, before the message ends (§8.1)', () => {
    const h = harness();
    h.endpoint.receive(clientFrame(Opcode.Text, new Uint8Array([0x61, 0xff]), false));
    expect(h.closed?.code).toBe(1007);
  });

  it('fails with 1007 when a text message ends inside a UTF-8 sequence', () => {
    const h = harness();
    h.endpoint.receive(clientFrame(Opcode.Text, new Uint8Array([0xe2, 0x82]), true));
    expect(h.closed?.code).toBe(1007);
  });

  it('fails with 1002 on a Continuation with no message started', () => {
    const h = harness();
    h.endpoint.receive(clientFrame(Opcode.Continuation, 'x'));
    expect(h.closed?.code).toBe(1002);
  });

  it('fails with 1002 on a new message inside a fragmented one', () => {
    const h = harness();
    h.endpoint.receive(clientFrame(Opcode.Binary, 'a', false));
    h.endpoint.receive(clientFrame(Opcode.Text, 'b'));
    expect(h.closed?.code).toBe(1002);
  });

  it('fails with 1002 on a fragmented control frame (§5.5)', () => {
    const h = harness();
    h.endpoint.receive(clientFrame(Opcode.Ping, 'a', false));
    expect(h.closed?.code).toBe(1002);
  });

  it('fails with 1002 on a reserved opcode (§5.2)', () => {
    const h = harness();
    h.endpoint.receive(clientFrame(0x3, 'a'));
    expect(h.closed?.code).toBe(1002);
  });
});
