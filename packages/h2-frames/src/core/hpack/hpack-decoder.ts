import type { HeaderField } from '../frame-types.js';
import { H2ProtocolError } from '../h2-protocol-error.js';
import { DynamicTable } from './dynamic-table.js';
import { huffmanDecode, latin1 } from './huffman.js';
import { STATIC_TABLE } from './static-table.js';

/** Options of `HpackDecoder`. */
export interface HpackDecoderOptions {
  /** SETTINGS_HEADER_TABLE_SIZE we announced (RFC 7541 §4.2 bound for size updates). Default 4096. */
  readonly maxTableSize?: number;
  /** SETTINGS_MAX_HEADER_LIST_SIZE we announced, enforced while decoding (RFC 9113 §6.5.2). Default 65 536. */
  readonly maxHeaderListSize?: number;
}

/** The outcome of decoding one field block. */
export interface HpackDecodeResult {
  readonly fields: HeaderField[];
  /** The list went over maxHeaderListSize; `fields` holds what fit. */
  readonly oversized: boolean;
}

/**
 * A decoded list this many times over the limit is an attack (an "HPACK bomb": a small block
 * expanding through the dynamic table), not a large request: the connection ends with
 * ENHANCE_YOUR_CALM instead of a per-stream 431. Counting stops allocating at 1×.
 */
const BOMB_FACTOR = 4;

const STATIC_LENGTH = STATIC_TABLE.length;

/**
 * The HPACK decoder of one connection direction (RFC 7541). Every fault is a connection error
 * COMPRESSION_ERROR (RFC 9113 §4.3): the shared context can no longer be trusted.
 *
 * @example
 * const d = new HpackDecoder({ maxHeaderListSize: 16_384 });
 * const { fields, oversized } = d.decode(block);
 */
export class HpackDecoder {
  private readonly table: DynamicTable;
  /** The largest size an update may set: what we announced (and the peer acknowledged). */
  private maxTableSize: number;
  maxHeaderListSize: number;

  constructor(options: HpackDecoderOptions = {}) {
    this.maxTableSize = options.maxTableSize ?? 4096;
    this.maxHeaderListSize = options.maxHeaderListSize ?? 65_536;
    this.table = new DynamicTable(this.maxTableSize);
  }

  /** Our SETTINGS_HEADER_TABLE_SIZE changed (once the peer ACKed it). */
  setMaxTableSize(n: number): void {
    this.maxTableSize = n;
    if (this.table.maxSize > n) this.table.resize(n);
  }

  decode(block: Uint8Array): HpackDecodeResult {
    const fields: HeaderField[] = [];
    const limit = this.maxHeaderListSize;
    let listSize = 0;
    let oversized = false;
    let p = 0;
    const end = block.length;
    let fieldsSeen = false;
    while (p < end) {
      const b = block[p]!;
      let field: HeaderField;
      if (b & 0x80) {
        // RFC 7541 §6.1 indexed field
        const r = readInt(block, p, 7);
        p = r.next;
        field = this.lookup(r.value);
      } else if ((b & 0xe0) === 0x20) {
        // RFC 7541 §6.3 dynamic table size update: only at the start of a block (§4.2)
        if (fieldsSeen) throw compression('dynamic table size update after the first field');
        const r = readInt(block, p, 5);
        p = r.next;
        if (r.value > this.maxTableSize) {
          throw compression(`table size update to ${r.value} above the announced ${this.maxTableSize}`);
        }
        this.table.resize(r.value);
        continue;
      } else {
        // §6.2.1 with indexing (01), §6.2.2 without (0000), §6.2.3 never indexed (0001)
        const indexing = (b & 0xc0) === 0x40;
        const prefix = indexing ? 6 : 4;
        const r = readInt(block, p, prefix);
        p = r.next;
        let name: string;
        if (r.value === 0) {
          const s = readString(block, p);
          p = s.next;
          name = s.value;
        } else {
          name = this.lookup(r.value).name;
        }
        const v = readString(block, p);
        p = v.next;
        field =
          indexing || (b & 0xf0) === 0
            ? { name, value: v.value }
            : { name, value: v.value, neverIndex: true };
        if (indexing) this.table.add(field);
      }
      fieldsSeen = true;
      listSize += field.name.length + field.value.length + 32;
      if (listSize > limit) {
        oversized = true;
        if (listSize > limit * BOMB_FACTOR + 65_536) {
          throw new H2ProtocolError(
            'ENHANCE_YOUR_CALM',
            'connection',
            `header list decodes to more than ${BOMB_FACTOR}× SETTINGS_MAX_HEADER_LIST_SIZE (${limit})`,
          );
        }
      } else {
        fields.push(field);
      }
    }
    return { fields, oversized };
  }

  private lookup(index: number): HeaderField {
    if (index === 0) throw compression('index 0'); // RFC 7541 §6.1
    if (index <= STATIC_LENGTH) return STATIC_TABLE[index - 1]!;
    const e = this.table.get(index - STATIC_LENGTH - 1);
    if (e === undefined) throw compression(`index ${index} beyond the tables`);
    return e;
  }
}

function compression(message: string): H2ProtocolError {
  return new H2ProtocolError('COMPRESSION_ERROR', 'connection', `HPACK: ${message} (RFC 7541)`);
}

/** Reused result objects: the decoder is synchronous and never holds on to them. */
const intResult = { value: 0, next: 0 };
const strResult = { value: '', next: 0 };

/** RFC 7541 §5.1 integer with an N-bit prefix; values above 2^31 are refused (no real table or string is that large). */
function readInt(buf: Uint8Array, p: number, prefixBits: number): { value: number; next: number } {
  const mask = (1 << prefixBits) - 1;
  let value = buf[p++]! & mask;
  if (value === mask) {
    let shift = 0;
    let b: number;
    do {
      if (p >= buf.length) throw compression('truncated integer');
      b = buf[p++]!;
      value += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (value > 0x7fff_ffff) throw compression('integer overflow');
    } while (b & 0x80);
  }
  intResult.value = value;
  intResult.next = p;
  return intResult;
}

/** RFC 7541 §5.2 string literal. */
function readString(buf: Uint8Array, p: number): { value: string; next: number } {
  if (p >= buf.length) throw compression('truncated string');
  const huffman = (buf[p]! & 0x80) !== 0;
  const r = readInt(buf, p, 7);
  const start = r.next;
  const end = start + r.value;
  if (end > buf.length) throw compression('string longer than the block');
  let value: string | undefined;
  if (huffman) {
    value = huffmanDecode(buf, start, end);
    if (value === undefined) throw compression('invalid Huffman code');
  } else {
    value = latin1(buf, start, end);
  }
  strResult.value = value;
  strResult.next = end;
  return strResult;
}
