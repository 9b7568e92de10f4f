import { StreamBody } from '@h2tubes/h2-flow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BodyAccumulator, declaredLength, MAX_PRESIZE, readWholeBody } from './body-accumulator.js';

const concat = (chunks: readonly Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
};

describe('BodyAccumulator', () => {
  it('gives back exactly the bytes appended, whatever the declared length says', () => {
    const chunks = fc.array(fc.uint8Array({ maxLength: 70_000 }), { maxLength: 8 });
    // Declared: absent, exact, too small (grows past it), too large (trimmed at the end).
    const declared = fc.oneof(
      fc.constant('absent'),
      fc.constant('exact'),
      fc.integer({ min: 0, max: 200_000 }),
    );
    fc.assert(
      fc.property(chunks, declared, (parts, d) => {
        const total = parts.reduce((n, c) => n + c.byteLength, 0);
        const acc = new BodyAccumulator(d === 'absent' ? undefined : d === 'exact' ? total : d);
        for (const p of parts) acc.append(p);
        const whole = acc.finish();
        expect(whole.byteLength).toBe(total);
        expect(new Uint8Array(whole)).toEqual(concat(parts));
      }),
      { numRuns: 200 },
    );
  });

  it('an empty body is an empty ArrayBuffer, declared or not', () => {
    expect(new BodyAccumulator(undefined).finish().byteLength).toBe(0);
    expect(new BodyAccumulator(0).finish().byteLength).toBe(0);
  });

  it('copies each chunk as it comes: later changes to a chunk do not reach the result', () => {
    const acc = new BodyAccumulator(4);
    const chunk = Uint8Array.of(1, 2, 3, 4);
    acc.append(chunk);
    chunk.fill(0);
    expect([...new Uint8Array(acc.finish())]).toEqual([1, 2, 3, 4]);
  });

  it('a declared length above MAX_PRESIZE is not reserved up front (the body grows as it arrives)', () => {
    const acc = new BodyAccumulator(MAX_PRESIZE * 4);
    acc.append(Uint8Array.of(7));
    expect([...new Uint8Array(acc.finish())]).toEqual([7]);
  });
});

describe('declaredLength', () => {
  it('reads a content-length of digits only (RFC 9110 §8.6), and nothing else', () => {
    expect(declaredLength('0')).toBe(0);
    expect(declaredLength('134217728')).toBe(134_217_728);
    for (const bad of [null, '', '-1', '1.5', ' 12', '0x10', '1e3', '99999999999999999999'])
      expect(declaredLength(bad)).toBeUndefined();
  });
});

describe('readWholeBody (a received body read whole, without a ReadableStream)', () => {
  const body = () => {
    let acked = 0;
    const stream = new StreamBody(1, {
      consume: (_id, n) => {
        acked += n;
      },
    });
    return { stream, acked: () => acked };
  };

  it('gives the chunks held before it started and those that come after, and credits each', async () => {
    const { stream, acked } = body();
    stream.push(new TextEncoder().encode('held '));
    const whole = readWholeBody(stream, 11);
    stream.push(new TextEncoder().encode('later'));
    stream.push(new TextEncoder().encode('!'));
    stream.end();
    expect(new TextDecoder().decode(await whole)).toBe('held later!');
    expect(acked()).toBe(11);
  });

  it("rejects with the stream's error (a reset, a lost connection)", async () => {
    const { stream } = body();
    const whole = readWholeBody(stream, undefined);
    stream.push(new Uint8Array(3));
    const reset = new Error('stream reset');
    stream.fail(reset);
    await expect(whole).rejects.toBe(reset);
  });

  it('rejects when a chunk cannot be kept, and stops reading: the rest is credited unread', async () => {
    const { stream, acked } = body();
    const whole = readWholeBody(stream, undefined);
    const unkeepable = {
      get byteLength(): number {
        throw new RangeError('Array buffer allocation failed');
      },
      length: 5,
    } as unknown as Uint8Array;
    stream.push(unkeepable);
    await expect(whole).rejects.toThrow(RangeError);
    stream.push(new Uint8Array(7)); // arrives after: discarded, its credit returned
    expect(acked()).toBe(5 + 7);
  });

  it('rejects a chunk that cannot be kept even when it was held before the read started', async () => {
    const { stream } = body();
    stream.push({
      get byteLength(): number {
        throw new RangeError('too large');
      },
      length: 1,
    } as unknown as Uint8Array);
    await expect(readWholeBody(stream, undefined)).rejects.toThrow('too large');
  });
});
