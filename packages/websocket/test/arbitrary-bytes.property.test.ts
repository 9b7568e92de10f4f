import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeFrame, isValidCloseCode, Opcode } from '../src/core.js';
import { harness, KEY } from './endpoint-harness.js';

// Whatever a peer sends, the endpoint never throws: it delivers messages, or fails the connection
// with a Close code (RFC 6455 §7.1.7), and stays bounded by its limits.
describe('endpoint on hostile input', () => {
  it('never throws on arbitrary bytes, and reports only valid close codes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }),
        fc.boolean(),
        (chunks, server) => {
          const h = harness({ role: server ? 'server' : 'client', maxFrameSize: 1024, maxMessageSize: 2048 });
          for (const c of chunks) h.endpoint.receive(c);
          const code = h.closed?.code;
          // The peer's own valid code, 1005 (a Close without one), or one of our failure codes.
          if (code !== undefined) expect(code === 1005 || isValidCloseCode(code)).toBe(true);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('never throws on well-formed frames in any order (messages or a failure, never an exception)', () => {
    const frameArb = fc.record({
      fin: fc.boolean(),
      opcode: fc.constantFrom(0, 1, 2, 8, 9, 10),
      payload: fc.uint8Array({ maxLength: 130 }),
    });
    fc.assert(
      fc.property(fc.array(frameArb, { maxLength: 10 }), (frames) => {
        const h = harness();
        for (const f of frames) h.endpoint.receive(encodeFrame({ ...f, mask: KEY }));
        for (const m of h.messages) expect(typeof m === 'string' || m instanceof Uint8Array).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips messages between a client and a server endpoint, cut into arbitrary chunks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string({ unit: 'grapheme' }), fc.uint8Array({ maxLength: 300 })), {
          maxLength: 8,
        }),
        fc.integer({ min: 1, max: 17 }),
        (messages, step) => {
          const client = harness({ role: 'client' });
          for (const m of messages) client.endpoint.send(m);
          const wire = client.sentFrames().length; // every message is one masked frame
          expect(wire).toBe(messages.length);
          const server = harness({ role: 'server' });
          // Re-serialize through the client's own bytes, fed `step` bytes at a time.
          const bytes: number[] = [];
          for (const f of client.sentFrames())
            bytes.push(...encodeFrame({ fin: f.fin, opcode: f.opcode, payload: f.payload, mask: KEY }));
          const all = new Uint8Array(bytes);
          for (let i = 0; i < all.length; i += step) server.endpoint.receive(all.subarray(i, i + step));
          expect(server.messages).toEqual(messages);
          expect(server.closed).toBeUndefined();
        },
      ),
      { numRuns: 300 },
    );
  });

  it('sends Text for strings and Binary for bytes', () => {
    const h = harness();
    h.endpoint.send('a');
    h.endpoint.send(new Uint8Array([1]));
    expect(h.sentFrames().map((f) => f.opcode)).toEqual([Opcode.Text, Opcode.Binary]);
  });
});
