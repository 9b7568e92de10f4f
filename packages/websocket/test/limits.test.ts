import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, encodeFrame, Opcode } from '../src/core.js';
import { clientFrame, harness, KEY } from './endpoint-harness.js';

// Limits an endpoint sets to bound what it holds for one connection. RFC 6455 §7.4.1: 1009 "a
// message that is too big for it to process"; 1008 for a policy (too many fragments); §5.5:
// control frames carry at most 125 bytes (1002).
describe('limits', () => {
  it('has defaults', () => {
    expect(DEFAULT_LIMITS).toEqual({ maxFrameSize: 16 << 20, maxMessageSize: 16 << 20, maxFragments: 16384 });
  });

  it('a frame over maxFrameSize fails with 1009 on its header alone', () => {
    const h = harness({ maxFrameSize: 100 });
    const frame = clientFrame(Opcode.Binary, new Uint8Array(101));
    h.endpoint.receive(frame.subarray(0, 2));
    expect(h.closed?.code).toBe(1009);
    expect(h.sentCloseCode()).toBe(1009);
  });

  it('a message over maxMessageSize fails with 1009 even when each frame is small', () => {
    const h = harness({ maxMessageSize: 10 });
    h.endpoint.receive(clientFrame(Opcode.Binary, new Uint8Array(6), false));
    expect(h.closed).toBeUndefined();
    h.endpoint.receive(clientFrame(Opcode.Continuation, new Uint8Array(6), true));
    expect(h.closed?.code).toBe(1009);
  });

  it('more fragments than maxFragments fails with 1008', () => {
    const h = harness({ maxFragments: 3 });
    for (let i = 0; i < 3; i++) h.endpoint.receive(clientFrame(i === 0 ? Opcode.Text : 0, 'a', false));
    expect(h.closed).toBeUndefined();
    h.endpoint.receive(clientFrame(0, 'a', true));
    expect(h.closed?.code).toBe(1008);
  });

  it('a control frame over 125 bytes fails with 1002 (§5.5)', () => {
    const h = harness();
    // encodeFrame does not police control payloads, so it can build the offending frame.
    h.endpoint.receive(
      encodeFrame({ fin: true, opcode: Opcode.Ping, payload: new Uint8Array(126), mask: KEY }),
    );
    expect(h.closed?.code).toBe(1002);
  });

  it('RSV bits without a negotiated extension fail with 1002 (§5.2; permessage-deflate is declined)', () => {
    const h = harness();
    h.endpoint.receive(
      encodeFrame({ fin: true, opcode: Opcode.Text, payload: new Uint8Array(1), mask: KEY, rsv: 4 }),
    );
    expect(h.closed?.code).toBe(1002);
  });
});
