import { HUFFMAN_CODES } from './huffman-codes.js';

/**
 * HPACK Huffman coding (RFC 7541 §5.2, Appendix B).
 *
 * Decoding walks one input octet at a time through a table built once at load: for each of the
 * 256 internal nodes of the code tree and each octet value, the node reached and the (at most 2,
 * since the shortest code is 5 bits) symbols completed on the way. No per-bit work at run time.
 */

const EOS = 256;
const FAIL = 1 << 26;
const COUNT_SHIFT = 8;
const SYM1_SHIFT = 10;
const SYM2_SHIFT = 18;

/** Internal nodes: children[node * 2 + bit] = next node id, or -(symbol + 1) for a leaf. */
const children: number[] = [0, 0];
let nodes = 1;
for (let sym = 0; sym <= EOS; sym++) {
  const [bits, code] = HUFFMAN_CODES[sym]!;
  let node = 0;
  for (let i = bits - 1; i >= 0; i--) {
    const bit = (code >>> i) & 1;
    const slot = node * 2 + bit;
    if (i === 0) {
      children[slot] = -(sym + 1);
    } else {
      if (children[slot] === 0) {
        children[slot] = nodes++;
        children.push(0, 0);
      }
      node = children[slot]!;
    }
  }
}

/**
 * A node may end the string when it is reached from the root by at most 7 one-bits: the padding
 * is "the most significant bits of the EOS code" (RFC 7541 §5.2); longer padding or padding with
 * a zero bit is a decoding error.
 */
const VALID_END = new Uint8Array(nodes);
{
  let node = 0;
  VALID_END[0] = 1;
  for (let depth = 1; depth <= 7; depth++) {
    node = children[node * 2 + 1]!;
    VALID_END[node] = 1;
  }
}

const DECODE_TABLE = new Int32Array(nodes * 256);
for (let state = 0; state < nodes; state++) {
  for (let octet = 0; octet < 256; octet++) {
    let node = state;
    let count = 0;
    let sym1 = 0;
    let sym2 = 0;
    let fail = 0;
    for (let i = 7; i >= 0; i--) {
      const next = children[node * 2 + ((octet >>> i) & 1)]!;
      if (next < 0) {
        const sym = -next - 1;
        if (sym === EOS) fail = FAIL; // RFC 7541 §5.2: EOS in a string is an error
        if (count === 0) sym1 = sym & 0xff;
        else sym2 = sym & 0xff;
        count++;
        node = 0;
      } else {
        node = next;
      }
    }
    DECODE_TABLE[state * 256 + octet] =
      node | (count << COUNT_SHIFT) | (sym1 << SYM1_SHIFT) | (sym2 << SYM2_SHIFT) | fail;
  }
}

/** Reused output buffer: header strings are bounded by the block, which the caller bounds. */
let scratch = new Uint8Array(4096);

/**
 * Decodes `src[start, end)` to a latin1 string, or returns undefined when the input is not a
 * valid Huffman string (EOS inside, or bad padding): the caller reports COMPRESSION_ERROR.
 */
export function huffmanDecode(src: Uint8Array, start: number, end: number): string | undefined {
  // Each octet yields at most 8/5 symbols.
  const max = ((end - start) * 8) / 5 + 1;
  if (scratch.length < max) scratch = new Uint8Array(max * 2);
  const out = scratch;
  let n = 0;
  let state = 0;
  for (let i = start; i < end; i++) {
    const e = DECODE_TABLE[state * 256 + src[i]!]!;
    if ((e & FAIL) !== 0) return undefined;
    const count = (e >>> COUNT_SHIFT) & 3;
    if (count > 0) {
      out[n++] = (e >>> SYM1_SHIFT) & 0xff;
      if (count > 1) out[n++] = (e >>> SYM2_SHIFT) & 0xff;
    }
    state = e & 0xff;
  }
  if (VALID_END[state] !== 1) return undefined;
  return latin1(out, 0, n);
}

/** Code length in bits and code of each octet, as flat typed arrays (no per-character tuple reads). */
const CODE_BITS = new Uint8Array(256);
const CODE = new Uint32Array(256);
for (let sym = 0; sym < 256; sym++) {
  const [bits, code] = HUFFMAN_CODES[sym]!;
  CODE_BITS[sym] = bits;
  CODE[sym] = code;
}

/** Octets the Huffman code of `s` takes (RFC 7541 §5.2), padding included. */
export function huffmanLength(s: string): number {
  let bits = 0;
  for (let i = 0; i < s.length; i++) bits += CODE_BITS[s.charCodeAt(i) & 0xff]!;
  return (bits + 7) >>> 3;
}

/**
 * Writes the Huffman code of `s` at `dst[offset]`; returns the offset after it. Pads with EOS
 * bits. Whole octets leave the accumulator as soon as they are complete, so it holds < 8 bits
 * before each code; codes over 24 bits (only control and non-ASCII octets) go in two parts, so it
 * never needs more than 31 bits of an int32.
 */
export function huffmanEncode(s: string, dst: Uint8Array, offset: number): number {
  let acc = 0;
  let n = 0; // valid low bits in acc
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) & 0xff;
    let bits = CODE_BITS[c]!;
    let code = CODE[c]!;
    if (bits > 24) {
      const high = bits - 16;
      acc = (acc << high) | (code >>> 16);
      n += high;
      while (n >= 8) {
        n -= 8;
        dst[offset++] = (acc >>> n) & 0xff;
      }
      bits = 16;
      code &= 0xffff;
    }
    acc = (acc << bits) | code;
    n += bits;
    while (n >= 8) {
      n -= 8;
      dst[offset++] = (acc >>> n) & 0xff;
    }
  }
  if (n > 0) dst[offset++] = ((acc << (8 - n)) | ((1 << (8 - n)) - 1)) & 0xff;
  return offset;
}

/** Latin1 string of `bytes[start, end)`; short strings without a native call. */
export function latin1(bytes: Uint8Array, start: number, end: number): string {
  const len = end - start;
  if (len <= 24) {
    let s = '';
    for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]!);
    return s;
  }
  return (
    Buffer.prototype as unknown as { latin1Slice(this: Uint8Array, s: number, e: number): string }
  ).latin1Slice.call(bytes, start, end);
}
