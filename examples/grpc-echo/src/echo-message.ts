/**
 * The one message type of the echo service, `message EchoMessage { string text = 1; }`, with a
 * hand-written protobuf encoding (no protobuf dependency): field 1, wire type 2 (length-delimited).
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Protobuf wire types (protobuf encoding guide, "Message Structure"). */
const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;

/**
 * Encodes `{ text }` as protobuf bytes.
 *
 * @example
 * encodeEchoMessage('hi'); // Uint8Array [0x0a, 0x02, 0x68, 0x69]
 */
export function encodeEchoMessage(text: string): Uint8Array {
  const bytes = encoder.encode(text);
  if (bytes.length === 0) return new Uint8Array(0); // proto3: a default value is not written
  const header: number[] = [(1 << 3) | LEN];
  for (let n = bytes.length; ; n >>>= 7) {
    if (n < 0x80) {
      header.push(n);
      break;
    }
    header.push((n & 0x7f) | 0x80);
  }
  const out = new Uint8Array(header.length + bytes.length);
  out.set(header, 0);
  out.set(bytes, header.length);
  return out;
}

/**
 * Decodes the `text` field, skipping fields it does not know (protobuf's forward compatibility).
 * Throws on truncated input.
 *
 * @example
 * decodeEchoMessage(new Uint8Array([0x0a, 0x02, 0x68, 0x69])); // 'hi'
 */
export function decodeEchoMessage(bytes: Uint8Array): string {
  let text = '';
  let i = 0;
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (i >= bytes.length) throw new RangeError('truncated varint');
      const b = bytes[i++] as number;
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
    }
    throw new RangeError('varint too long');
  };
  while (i < bytes.length) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    switch (tag & 7) {
      case VARINT:
        varint();
        break;
      case I64:
        i += 8;
        break;
      case I32:
        i += 4;
        break;
      case LEN: {
        const length = varint();
        if (i + length > bytes.length) throw new RangeError('truncated field');
        if (field === 1) text = decoder.decode(bytes.subarray(i, i + length));
        i += length;
        break;
      }
      default:
        throw new RangeError(`unsupported wire type ${tag & 7}`);
    }
  }
  if (i > bytes.length) throw new RangeError('truncated field');
  return text;
}
