import { describe, expect, it } from 'vitest';
import { nextMaskingKey } from '../src/core.js';

// RFC 6455 §5.3: a fresh, unpredictable 32-bit key per client frame. The keys come from a pool
// of crypto.getRandomValues output refilled every 1,024 keys.
describe('nextMaskingKey (RFC 6455 §5.3)', () => {
  it('gives 4-octet keys that differ from one to the next, across pool refills', () => {
    const keys = Array.from({ length: 3000 }, () => nextMaskingKey());
    for (const k of keys) expect(k).toBeInstanceOf(Uint8Array);
    expect(keys.every((k) => k.length === 4)).toBe(true);
    const distinct = new Set(keys.map((k) => Buffer.from(k).toString('hex')));
    // 3,000 draws of 32 random bits: a repeat has probability ~1e-3; two would be ~1e-7.
    expect(distinct.size).toBeGreaterThanOrEqual(2998);
  });

  it('gives each caller its own copy: a key held across a refill of the pool keeps its value', () => {
    const held = nextMaskingKey();
    const before = Buffer.from(held).toString('hex');
    for (let i = 0; i < 1100; i++) nextMaskingKey(); // more than one pool's worth: a refill happened
    expect(Buffer.from(held).toString('hex')).toBe(before);
  });

  it('refills the pool with new random octets rather than reusing it: two pools in a row differ', () => {
    const a = Array.from({ length: 1024 }, () => Buffer.from(nextMaskingKey()).toString('hex')).join('');
    const b = Array.from({ length: 1024 }, () => Buffer.from(nextMaskingKey()).toString('hex')).join('');
    expect(a).not.toBe(b);
  });
});
