import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameParser, Opcode } from '../src/core.js';
import { KEY } from './endpoint-harness.js';

// RFC 6455 §5.2: the payload length is 7 bits (0–125), or 126 then 16 bits, or 127 then 64 bits,
// so a header is 2, 4 or 10 bytes, plus 4 of masking key when masked.
describe('frame header lengths (RFC 6455 §5.2)', () => {
  const cases: [number, number][] = [
    [0, 2],
    [125, 2],
    [126, 4],
    [65535, 4],
    [65536, 10],
  ];
  for (const [length, header] of cases) {
    it(`a ${length}-byte payload has a ${header}-byte header, ${header + 4} when masked`, () => {
      const payload = new Uint8Array(length).fill(7);
      expect(encodeFrame({ fin: true, opcode: Opcode.Binary, payload }).length).toBe(header + length);
      const masked = encodeFrame({ fin: true, opcode: Opcode.Binary, payload, mask: KEY });
      expect(masked.length).toBe(header + 4 + length);
      const frames: Uint8Array[] = [];
      new FrameParser({ maxFrameSize: 1 << 20 }).push(masked, (f) => frames.push(f.payload));
      expect(frames.length).toBe(1);
      expect(Buffer.from(frames[0] as Uint8Array).equals(payload)).toBe(true);
    });
  }

  it('masks the copy, not the caller’s payload (§5.3)', () => {
    const payload = new Uint8Array([1, 2, 3, 4, 5]);
    const frame = encodeFrame({ fin: true, opcode: Opcode.Binary, payload, mask: KEY });
    expect([...payload]).toEqual([1, 2, 3, 4, 5]);
    expect([...frame.subarray(6)]).toEqual([1 ^ 0x37, 2 ^ 0xfa, 3 ^ 0x21, 4 ^ 0x3d, 5 ^ 0x37]);
  });

  it('rejects a 64-bit length with the most significant bit set (§5.2)', () => {
    const bytes = new Uint8Array([0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1]);
    expect(() => new FrameParser({ maxFrameSize: 1 << 20 }).push(bytes, () => {})).toThrow(/high bit/);
  });

  it('refuses a frame over maxFrameSize from its header, before any payload (1009, §7.4.1)', () => {
    // Only the 10 header bytes of a 2^40-byte frame: the parser must not wait for (or allocate) it.
    const bytes = new Uint8Array([0x82, 0x7f, 0, 0, 1, 0, 0, 0, 0, 0]);
    let code: number | undefined;
    try {
      new FrameParser({ maxFrameSize: 1 << 20 }).push(bytes, () => {});
    } catch (e) {
      code = (e as { code: number }).code;
    }
    expect(code).toBe(1009);
  });
});
