import type { HeaderField } from '../frame-types.js';

/** RFC 7541 §4.1: an entry's size is name + value octets + 32. */
export function entrySize(name: string, value: string): number {
  return name.length + value.length + 32;
}

/** Slots of a ring's first allocation: one request's or response's new fields fit. */
const FIRST_RING_SLOTS = 8;

/**
 * The HPACK dynamic table (RFC 7541 §2.3.2, §4): newest entry at index 0, evicted from the
 * oldest end. A ring buffer, so insertion and eviction do not move entries. The ring is allocated
 * on the first insertion and doubles when full (a power of two, for the index mask): a connection
 * holds two tables (one per direction), and an idle one holds a handful of entries (a 64-slot
 * ring allocated up front was 528 octets each).
 */
export class DynamicTable {
  private ring: (HeaderField | undefined)[] = [];
  private head = 0; // slot of the newest entry
  private count = 0;
  /** Sum of entry sizes (RFC 7541 §4.1). */
  size = 0;

  constructor(public maxSize: number) {}

  get length(): number {
    return this.count;
  }

  /** Entry `i` (0 = newest), or undefined when out of range. */
  get(i: number): HeaderField | undefined {
    if (i >= this.count) return undefined;
    return this.ring[(this.head + i) & (this.ring.length - 1)];
  }

  /** RFC 7541 §4.4: an entry larger than the table empties it and is not added. */
  add(field: HeaderField): void {
    const s = entrySize(field.name, field.value);
    this.evictTo(this.maxSize - s);
    if (s > this.maxSize) return;
    if (this.count === this.ring.length) this.grow();
    this.head = (this.head - 1) & (this.ring.length - 1);
    this.ring[this.head] = field;
    this.count++;
    this.size += s;
  }

  /** RFC 7541 §4.3: a smaller maximum evicts at once. */
  resize(maxSize: number): void {
    this.maxSize = maxSize;
    this.evictTo(maxSize);
  }

  /** Called with each entry evicted, oldest first (the encoder forgets its index of them). */
  protected evicted(_entry: HeaderField): void {}

  private evictTo(limit: number): void {
    while (this.size > limit && this.count > 0) {
      const slot = (this.head + this.count - 1) & (this.ring.length - 1);
      const e = this.ring[slot]!;
      this.ring[slot] = undefined;
      this.count--;
      this.size -= entrySize(e.name, e.value);
      this.evicted(e);
    }
  }

  private grow(): void {
    const next: (HeaderField | undefined)[] = new Array(Math.max(FIRST_RING_SLOTS, this.ring.length * 2));
    for (let i = 0; i < this.count; i++) next[i] = this.get(i);
    this.ring = next;
    this.head = 0;
  }
}
