import { describe, expect, it } from 'vitest';
import type { HeaderField } from '../frame-types.js';
import { DynamicTable, entrySize } from './dynamic-table.js';

/** Names and values of one width, so every entry has the same size (RFC 7541 §4.1: 5 + 4 + 32). */
const n = (i: number): string => `x-${String(i).padStart(3, '0')}`;
const field = (i: number): HeaderField => ({ name: n(i), value: `v${String(i).padStart(3, '0')}` });
const ENTRY = 41;
const names = (t: DynamicTable): string[] =>
  Array.from({ length: t.length }, (_, i) => t.get(i)?.name ?? '?');

describe('DynamicTable (RFC 7541 §2.3.2, §4), a ring allocated on first use that grows', () => {
  it('is empty before the first insertion', () => {
    const t = new DynamicTable(4096);
    expect(t.length).toBe(0);
    expect(t.size).toBe(0);
    expect(t.get(0)).toBeUndefined();
  });

  it('keeps newest-first order as the ring grows past its first allocation, several times over', () => {
    const t = new DynamicTable(1 << 20);
    for (let i = 0; i < 100; i++) {
      t.add(field(i));
      expect(t.get(0)?.name).toBe(n(i));
      expect(t.get(i)?.name).toBe(n(0));
    }
    expect(t.length).toBe(100);
    expect(names(t)).toEqual(Array.from({ length: 100 }, (_, i) => n(99 - i)));
    expect(t.size).toBe(100 * ENTRY);
    expect(entrySize(n(0), 'v000')).toBe(ENTRY);
    expect(t.get(100)).toBeUndefined();
  });

  it('grows while wrapped around (head not at slot 0) without reordering entries', () => {
    // Room for exactly 5 entries of 41 octets: eviction moves the ring's head around first.
    const t = new DynamicTable(5 * ENTRY);
    for (let i = 0; i < 13; i++) t.add(field(i));
    expect(names(t)).toEqual([n(12), n(11), n(10), n(9), n(8)]);
    t.resize(1 << 20);
    for (let i = 13; i < 30; i++) t.add(field(i));
    expect(names(t)).toEqual(Array.from({ length: 22 }, (_, i) => n(29 - i)));
  });

  it('evicts the oldest first (§4.4) and empties on an entry larger than the table', () => {
    const t = new DynamicTable(3 * ENTRY);
    for (let i = 0; i < 4; i++) t.add(field(i));
    expect(names(t)).toEqual([n(3), n(2), n(1)]);
    t.add({ name: 'big', value: 'v'.repeat(200) });
    expect(t.length).toBe(0);
    expect(t.size).toBe(0);
    t.add(field(9));
    expect(names(t)).toEqual([n(9)]);
  });

  it('evicts down to a smaller maximum at once (§4.3), and refills after a resize to 0', () => {
    const t = new DynamicTable(4096);
    for (let i = 0; i < 20; i++) t.add(field(i));
    t.resize(2 * ENTRY);
    expect(names(t)).toEqual([n(19), n(18)]);
    t.resize(0);
    expect(t.length).toBe(0);
    t.add(field(20));
    expect(t.length).toBe(0);
    t.resize(4096);
    for (let i = 21; i < 40; i++) t.add(field(i));
    expect(names(t)).toEqual(Array.from({ length: 19 }, (_, i) => n(39 - i)));
  });
});
