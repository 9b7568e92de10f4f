import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyMask } from '../src/core.js';

/** RFC 6455 §5.3's definition, octet by octet: transformed-octet-i = original-octet-i XOR masking-key-octet-(i MOD 4). */
function reference(data: Uint8Array, key: Uint8Array, offset: number): [Uint8Array, number] {
  const out = Uint8Array.from(data);
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) ^ (key[(offset + i) & 3] as number);
  return [out, (offset + data.length) & 3];
}

describe('applyMask (RFC 6455 §5.3)', () => {
  it('equals the octet-by-octet definition for any payload, key, key offset and alignment', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        fc.uint8Array({ minLength: 4, maxLength: 4 }),
        fc.integer({ min: 0, max: 7 }),
        fc.integer({ min: 0, max: 7 }),
        (bytes, key, offset, shift) => {
          // The payload at every alignment in its buffer: the word-wise middle starts 4-aligned.
          const backing = new Uint8Array(bytes.length + shift + 3).fill(0xee);
          const data = backing.subarray(shift, shift + bytes.length);
          data.set(bytes);
          const [expected, expectedOffset] = reference(bytes, key, offset);
          expect(applyMask(data, key, offset)).toBe(expectedOffset);
          expect(data).toEqual(expected);
          // Octets around the view are untouched.
          expect(backing.subarray(0, shift).every((b) => b === 0xee)).toBe(true);
          expect(backing.subarray(shift + bytes.length).every((b) => b === 0xee)).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('masks a 64 KiB payload and unmasks it back', () => {
    const original = Uint8Array.from({ length: 65_536 }, (_, i) => (i * 31) & 0xff);
    const data = Uint8Array.from(original);
    const key = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);
    expect(applyMask(data, key, 1)).toBe(1);
    expect(data[0]).toBe((original[0] as number) ^ 0xfa);
    expect(data[65_535]).toBe((original[65_535] as number) ^ 0x37);
    applyMask(data, key, 1);
    expect(data).toEqual(original);
  });
});
