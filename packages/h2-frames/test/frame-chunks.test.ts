import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeFrameChunks, REFERENCED_PAYLOAD_MIN } from '../src/core.js';
import { encodeFrames, type Frame } from '../src/index.js';
import { anyFrame } from './frame-arbitraries.js';

const concat = (chunks: readonly Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let p = 0;
  for (const c of chunks) {
    out.set(c, p);
    p += c.length;
  }
  return out;
};

const data = (payload: Uint8Array, padLength?: number): Frame => ({
  type: 'DATA',
  streamId: 1,
  endStream: false,
  data: payload,
  padLength,
});

describe('encodeFrameChunks (DATA payloads by reference, RFC 9113 §6.1)', () => {
  it('the chunks concatenated are byte-exact encodeFrames, for any frames', () => {
    fc.assert(
      fc.property(fc.array(anyFrame, { maxLength: 8 }), (frames) => {
        expect(concat(encodeFrameChunks(frames))).toEqual(encodeFrames(frames));
      }),
    );
  });

  it('a large payload is the caller’s own array (not copied), a small one is copied', () => {
    const big = new Uint8Array(REFERENCED_PAYLOAD_MIN).fill(7);
    const small = new Uint8Array(REFERENCED_PAYLOAD_MIN - 1).fill(8);
    const chunks = encodeFrameChunks([data(small), data(big), data(big, 3)]);
    expect(chunks.filter((c) => c === big)).toHaveLength(2);
    expect(chunks.includes(small)).toBe(false);
    expect(concat(chunks)).toEqual(encodeFrames([data(small), data(big), data(big, 3)]));
  });

  it('aliasing: a payload changed after encoding changes what is written (callers must not)', () => {
    const big = new Uint8Array(REFERENCED_PAYLOAD_MIN).fill(1);
    const chunks = encodeFrameChunks([data(big)]);
    big[0] = 2;
    expect(concat(chunks)[9]).toBe(2);
  });
});
