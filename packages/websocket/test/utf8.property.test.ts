import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidUtf8, Utf8Validator } from '../src/core.js';

const fatal = new TextDecoder('utf-8', { fatal: true });
function decoderAccepts(bytes: Uint8Array): boolean {
  try {
    fatal.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

// RFC 6455 §8.1: text messages must be valid UTF-8 (RFC 3629); the validator runs across
// fragments, so it must give the same answer however the bytes are split.
describe('streaming UTF-8 validation (RFC 6455 §8.1)', () => {
  it('agrees with a fatal TextDecoder on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        expect(isValidUtf8(bytes)).toBe(decoderAccepts(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts any string encoded, split at any byte', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.nat(), (s, at) => {
        const bytes = new TextEncoder().encode(s);
        const cut = bytes.length === 0 ? 0 : at % bytes.length;
        const v = new Utf8Validator();
        expect(v.push(bytes.subarray(0, cut))).toBe(true);
        expect(v.push(bytes.subarray(cut))).toBe(true);
        expect(v.complete).toBe(true);
      }),
    );
  });

  it('rejects overlong forms, surrogates and code points over U+10FFFF', () => {
    expect(isValidUtf8(new Uint8Array([0xc0, 0xaf]))).toBe(false);
    expect(isValidUtf8(new Uint8Array([0xe0, 0x80, 0xaf]))).toBe(false);
    expect(isValidUtf8(new Uint8Array([0xed, 0xa0, 0x80]))).toBe(false);
    expect(isValidUtf8(new Uint8Array([0xf4, 0x90, 0x80, 0x80]))).toBe(false);
    expect(isValidUtf8(new Uint8Array([0xf0, 0x9f, 0x98, 0x80]))).toBe(true);
  });

  it('reports a sequence left open as incomplete, not invalid', () => {
    const v = new Utf8Validator();
    expect(v.push(new Uint8Array([0xe2, 0x82]))).toBe(true);
    expect(v.complete).toBe(false);
  });

  it('stays failed after invalid bytes: valid text that follows does not make it valid again', () => {
    const v = new Utf8Validator();
    expect(v.push(new Uint8Array([0xff]))).toBe(false);
    expect(v.push(new TextEncoder().encode('fine'))).toBe(false);
  });
});
