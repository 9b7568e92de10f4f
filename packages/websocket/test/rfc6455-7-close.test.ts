import { describe, expect, it } from 'vitest';
import { closePayload, isValidCloseCode, Opcode, parseClosePayload } from '../src/core.js';
import { clientFrame, harness } from './endpoint-harness.js';

// RFC 6455 §7: the close handshake. §5.5.1: an endpoint receiving Close answers with Close
// (echoing the status code); §7.4: which status codes may appear on the wire.
describe('close handshake (RFC 6455 §7)', () => {
  it('answers a peer’s Close with the same code and reports a clean close with its reason', () => {
    const h = harness();
    h.endpoint.receive(clientFrame(Opcode.Close, closePayload(4000, 'bye ✓')));
    expect(h.closed).toEqual({ code: 4000, reason: 'bye ✓', wasClean: true });
    expect(h.sentCloseCode()).toBe(4000);
  });

  it('an empty Close is reported as 1005 and answered with an empty Close (§7.1.5)', () => {
    const h = harness();
    h.endpoint.receive(clientFrame(Opcode.Close, new Uint8Array(0)));
    expect(h.closed).toEqual({ code: 1005, reason: '', wasClean: true });
    expect(h.sentFrames()[0]?.payload.length).toBe(0);
  });

  it('closing first waits for the peer’s Close; data after our Close is dropped (§7.1.2)', () => {
    const h = harness();
    h.endpoint.close(1000, 'done');
    expect(h.endpoint.state).toBe('closing');
    h.endpoint.receive(clientFrame(Opcode.Text, 'late'));
    expect(h.messages).toEqual([]);
    h.endpoint.receive(clientFrame(Opcode.Close, closePayload(1000)));
    expect(h.closed).toEqual({ code: 1000, reason: '', wasClean: true });
    expect(h.sentFrames().filter((f) => f.opcode === Opcode.Close)).toHaveLength(1);
  });

  it('fails with 1002 on a code that may not be sent, 1007 on a reason that is not UTF-8', () => {
    for (const code of [999, 1004, 1005, 1006, 1015, 1016, 2999, 5000]) {
      const h = harness();
      h.endpoint.receive(clientFrame(Opcode.Close, new Uint8Array([code >> 8, code & 0xff])));
      expect(h.closed?.code, `code ${code}`).toBe(1002);
    }
    const h = harness();
    h.endpoint.receive(clientFrame(Opcode.Close, new Uint8Array([0x03, 0xe8, 0xff])));
    expect(h.closed?.code).toBe(1007);
  });

  it('fails with 1002 on a 1-byte Close payload (§5.5.1)', () => {
    const h = harness();
    h.endpoint.receive(clientFrame(Opcode.Close, new Uint8Array([3])));
    expect(h.closed?.code).toBe(1002);
  });

  it('knows the sendable codes (§7.4.1, §7.4.2)', () => {
    expect([1000, 1001, 1002, 1003, 1007, 1011, 1014, 3000, 4999].every(isValidCloseCode)).toBe(true);
    expect([0, 1004, 1005, 1006, 1015, 2000, 5000, 1000.5].some(isValidCloseCode)).toBe(false);
    expect(() => closePayload(1005)).toThrow();
    expect(() => closePayload(1000, 'x'.repeat(124))).toThrow(/123/);
    expect(parseClosePayload(closePayload(4000, 'r'))).toEqual({ code: 4000, reason: 'r' });
  });

  it('abort() after a lost transport reports 1006, not clean (§7.1.5)', () => {
    const h = harness();
    h.endpoint.abort('gone');
    expect(h.closed).toEqual({ code: 1006, reason: 'gone', wasClean: false });
  });
});
