import type { FieldList, HeaderField } from '../frame-types.js';
import { DynamicTable, entrySize } from './dynamic-table.js';
import { huffmanEncode, huffmanLength } from './huffman.js';
import { STATIC_TABLE } from './static-table.js';

/** Options of `HpackEncoder`. */
export interface HpackEncoderOptions {
  /** Our cap on the table the peer lets us use (DESIGN.md: min(peer's SETTINGS_HEADER_TABLE_SIZE, 4096)). */
  readonly maxTableSize?: number;
}

/**
 * Fields that must not enter the dynamic table (RFC 7541 §7.1.3: a compressed secret can be
 * guessed through the table), encoded as never-indexed literals.
 */
const SENSITIVE = new Set(['authorization', 'proxy-authorization', 'set-cookie']);
/** Short cookies are guessable (RFC 7541 §7.1.3 discusses cookie values below 20 octets). */
const SHORT_COOKIE = 20;

/** A name's place in the static table: its first index, and the index of each value it has there. */
interface StaticName {
  readonly index: number;
  readonly values: Map<string, number>;
}
/** Static-table lookup by name, then value: no key string is built per field. */
const STATIC = new Map<string, StaticName>();
STATIC_TABLE.forEach((f, i) => {
  let entry = STATIC.get(f.name);
  if (entry === undefined) {
    entry = { index: i + 1, values: new Map() };
    STATIC.set(f.name, entry);
  }
  if (!entry.values.has(f.value)) entry.values.set(f.value, i + 1);
});

/** Table entries up to which the encoder finds a field by scanning the table, with no map. */
const SCAN_UP_TO = 8;

/**
 * Where every encoder writes a block before copying it out (`encode` returns `slice`): encoding
 * is synchronous, so one scratch buffer serves all connections of the process; a 4 KiB buffer per
 * encoder was the largest allocation of an idle connection. Grows for a larger block.
 */
let scratch = new Uint8Array(4096);

/**
 * The HPACK encoder of one connection direction (RFC 7541). Uses the static table, a dynamic
 * table (indexing every field but sensitive ones), and Huffman when it is shorter.
 *
 * @example
 * const e = new HpackEncoder();
 * const block = e.encode([{ name: ':status', value: '200' }]);
 */
export class HpackEncoder {
  private readonly table: EncoderTable;
  /**
   * name\0value → insertion number; index = inserted - number (newest is 0). Made once the table
   * holds more than `SCAN_UP_TO` entries; until then the table is scanned (an idle connection's
   * few entries: a Map is ~180 B however few it holds).
   */
  private dynamicFull: Map<string, number> | undefined;
  private inserted = 0;
  /** Insertion number of the oldest entry not yet evicted. */
  private forgotten = 0;
  private readonly cap: number;
  /** A size update owed at the start of the next block (RFC 7541 §4.2), or -1. */
  private pendingUpdate = -1;
  private minPendingUpdate = -1;

  constructor(options: HpackEncoderOptions = {}) {
    this.cap = options.maxTableSize ?? 4096;
    // RFC 7541 §4.2 / RFC 9113 §6.5.2: the peer's decoder starts at 4096.
    this.table = new EncoderTable(Math.min(4096, this.cap), this);
  }

  /** The peer's SETTINGS_HEADER_TABLE_SIZE changed: use min(it, our cap) from the next block. */
  setPeerMaxTableSize(n: number): void {
    const size = Math.min(n, this.cap);
    if (size === this.table.maxSize && this.pendingUpdate < 0) return;
    // RFC 7541 §4.2: if the size dipped below the final one, the smallest must be signalled too.
    this.minPendingUpdate = this.minPendingUpdate < 0 ? size : Math.min(this.minPendingUpdate, size);
    this.pendingUpdate = size;
    this.table.resize(size);
  }

  encode(fields: FieldList): Uint8Array {
    let max = 16;
    for (const f of fields) max += f.name.length + f.value.length + 12;
    if (scratch.length < max) scratch = new Uint8Array(max * 2);
    const buf = scratch;
    let p = 0;
    if (this.pendingUpdate >= 0) {
      if (this.minPendingUpdate < this.pendingUpdate) p = writeInt(buf, p, 5, 0x20, this.minPendingUpdate);
      p = writeInt(buf, p, 5, 0x20, this.pendingUpdate);
      this.pendingUpdate = -1;
      this.minPendingUpdate = -1;
    }
    for (const f of fields) p = this.encodeField(f, buf, p);
    return buf.slice(0, p);
  }

  /**
   * An entry left the table (oldest first, insertion number `forgotten`): its map entry goes,
   * unless the key was inserted again since and points at the newer insertion. O(1) per eviction,
   * the key kept in the entry (it was an array of every insertion's key, which V8 sizes for 17 at
   * the first: ~180 B per idle connection).
   *
   * @internal By the encoder's table.
   */
  forget(e: EncoderEntry): void {
    const map = this.dynamicFull;
    if (map !== undefined) {
      const key = e.key ?? `${e.name}\0${e.value}`;
      if (map.get(key) === this.forgotten) map.delete(key);
    }
    this.forgotten++;
  }

  private encodeField(f: HeaderField, buf: Uint8Array, p: number): number {
    const { name, value } = f;
    const sensitive =
      f.neverIndex === true || SENSITIVE.has(name) || (name === 'cookie' && value.length < SHORT_COOKIE);
    const inStatic = STATIC.get(name);
    let key: string | undefined;
    if (!sensitive) {
      const full = inStatic?.values.get(value);
      if (full !== undefined) return writeInt(buf, p, 7, 0x80, full);
      let dyn = -1;
      if (this.dynamicFull === undefined) dyn = this.scan(name, value);
      else {
        key = `${name}\0${value}`;
        const number = this.dynamicFull.get(key);
        if (number !== undefined) dyn = this.inserted - 1 - number;
      }
      if (dyn >= 0) return writeInt(buf, p, 7, 0x80, STATIC_TABLE.length + 1 + dyn);
    }
    const nameIndex = inStatic?.index ?? 0;
    if (sensitive) {
      p = writeInt(buf, p, 4, 0x10, nameIndex); // RFC 7541 §6.2.3 never indexed
    } else if (entrySize(name, value) <= this.table.maxSize) {
      p = writeInt(buf, p, 6, 0x40, nameIndex); // §6.2.1 with incremental indexing
      this.insert({ name, value, key });
    } else {
      p = writeInt(buf, p, 4, 0x00, nameIndex); // §6.2.2 without indexing
    }
    if (nameIndex === 0) p = writeString(buf, p, name);
    return writeString(buf, p, value);
  }

  /** The dynamic-table index (0 = newest) of the field, found by scanning the table, or -1. */
  private scan(name: string, value: string): number {
    for (let i = 0; i < this.table.length; i++) {
      const e = this.table.get(i) as HeaderField;
      if (e.value === value && e.name === name) return i;
    }
    return -1;
  }

  /**
   * Adds the entry (the table evicts first: the new key is not in the map, none of theirs is it)
   * and indexes it; the map is made, with every entry, once the table outgrows a scan.
   */
  private insert(entry: EncoderEntry): void {
    this.table.add(entry);
    const number = this.inserted++;
    let map = this.dynamicFull;
    if (map === undefined) {
      if (this.table.length <= SCAN_UP_TO) return;
      map = new Map();
      this.dynamicFull = map;
      for (let i = this.table.length - 1; i > 0; i--) {
        const e = this.table.get(i) as EncoderEntry;
        e.key ??= `${e.name}\0${e.value}`;
        map.set(e.key, number - i);
      }
    }
    entry.key ??= `${entry.name}\0${entry.value}`;
    map.set(entry.key, number);
  }
}

/** A field in the encoder's table, with its map key once it has one. */
interface EncoderEntry extends HeaderField {
  key: string | undefined;
}

/** The encoder's dynamic table: tells the encoder what it evicts. */
class EncoderTable extends DynamicTable {
  constructor(
    maxSize: number,
    private readonly encoder: HpackEncoder,
  ) {
    super(maxSize);
  }

  protected override evicted(e: HeaderField): void {
    this.encoder.forget(e as EncoderEntry);
  }
}

/** RFC 7541 §5.1. */
function writeInt(buf: Uint8Array, p: number, prefixBits: number, flags: number, value: number): number {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    buf[p++] = flags | value;
    return p;
  }
  buf[p++] = flags | max;
  value -= max;
  while (value >= 128) {
    buf[p++] = (value % 128) + 128;
    value = Math.floor(value / 128);
  }
  buf[p++] = value;
  return p;
}

/** RFC 7541 §5.2: Huffman when it is shorter. */
function writeString(buf: Uint8Array, p: number, s: string): number {
  const h = huffmanLength(s);
  if (h < s.length) {
    p = writeInt(buf, p, 7, 0x80, h);
    return huffmanEncode(s, buf, p);
  }
  p = writeInt(buf, p, 7, 0, s.length);
  for (let i = 0; i < s.length; i++) buf[p++] = s.charCodeAt(i) & 0xff;
  return p;
}
