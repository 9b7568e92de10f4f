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

describe('HpackEncoder finds fields in its dynamic table', () => {
  it('by scanning a small table and through its map once the table grows, evictions included', () => {
    const e = new HpackEncoder();
    const d = new HpackDecoder();
    const field = (i: number) => ({ name: `x-h${i}`, value: `v${i}`.repeat(40) });
    // 4096 octets hold 35 of these (~117 each): the last rounds evict the first fields.
    for (let round = 0; round < 3; round++) {
      for (let n = 1; n <= 40; n++) {
        const list = Array.from({ length: n }, (_, i) => field((i * 7 + round) % 50));
        const block = e.encode(list);
        expect(d.decode(block).fields).toEqual(list);
        // Sent again at once, every field of the list is one indexed octet or two.
        const again = e.encode(list.slice(-3));
        expect(again.length).toBeLessThanOrEqual(6);
        expect(d.decode(again).fields).toEqual(list.slice(-3));
      }
    }
  });
});
