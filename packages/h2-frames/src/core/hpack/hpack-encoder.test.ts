import { describe, expect, it } from 'vitest';
import { HpackDecoder } from './hpack-decoder.js';
import { HpackEncoder } from './hpack-encoder.js';

describe('HpackEncoder with a scratch buffer shared by every encoder', () => {
  it('returns blocks that later encodes, by itself or by another encoder, do not overwrite', () => {
    const a = new HpackEncoder();
    const b = new HpackEncoder();
    const first = a.encode([{ name: 'x-first', value: 'one' }]);
    const copy = first.slice();
    b.encode([{ name: 'x-other', value: 'two'.repeat(50) }]);
    a.encode([{ name: 'x-again', value: 'three' }]);
    expect(first).toEqual(copy);
    expect(new HpackDecoder().decode(first).fields).toEqual([{ name: 'x-first', value: 'one' }]);
  });

  it('encodes a block larger than the first scratch allocation, and small ones after it', () => {
    const e = new HpackEncoder();
    const d = new HpackDecoder({ maxHeaderListSize: 1 << 20 });
    const big = [{ name: 'x-big', value: 'z'.repeat(20_000) }];
    expect(d.decode(e.encode(big)).fields).toEqual(big);
    const small = [{ name: ':status', value: '200' }];
    expect(d.decode(e.encode(small)).fields).toEqual(small);
  });
});
