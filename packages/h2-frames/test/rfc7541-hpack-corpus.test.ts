import fc from 'fast-check';
// @ts-expect-error hpack.js ships no types; it is the differential oracle here.
import hpackJs from 'hpack.js';
import { describe, expect, it } from 'vitest';
import { HpackDecoder } from '../src/core/hpack/hpack-decoder.js';
import { HpackEncoder } from '../src/core/hpack/hpack-encoder.js';
import { huffmanDecode, huffmanEncode, huffmanLength } from '../src/core/hpack/huffman.js';
import { H2ProtocolError } from '../src/index.js';
import { loadStories, pairs } from './hpack-corpus.js';

const wireStories = loadStories('wire');
const rawStories = loadStories('raw');

describe('RFC 7541 against the hpack-test-case corpus', () => {
  // Exact counts of the vendored subset (fixtures/hpack-test-case/README.md): 22 stories in each
  // of the five encoders' directories and in raw-data, so a lost or unreadable file fails here.
  it('has stories to replay', () => {
    expect(wireStories.length).toBe(5 * 22);
    expect(new Set(wireStories.map((s) => s.file.split('/')[0])).size).toBe(5);
    expect(rawStories.length).toBe(22);
  });

  it('decodes every story to its expected header lists, in order, with one context per story', () => {
    let fields = 0;
    for (const story of wireStories) {
      const d = new HpackDecoder({ maxTableSize: 1 << 16, maxHeaderListSize: 1 << 24 });
      for (const c of story.cases) {
        const got = d.decode(Buffer.from(c.wire!, 'hex'));
        expect(
          got.fields.map((f) => [f.name, f.value]),
          story.file,
        ).toEqual(pairs(c));
        fields += got.fields.length;
      }
    }
    expect(fields).toBe(17_630); // every field of every story was compared (3,526 per directory)
  });

  it('round-trips every raw story through our encoder and decoder, with one context per direction', () => {
    for (const story of rawStories) {
      const e = new HpackEncoder();
      const d = new HpackDecoder({ maxHeaderListSize: 1 << 24 });
      for (const c of story.cases) {
        const list = pairs(c).map(([name, value]) => ({ name, value }));
        const got = d.decode(e.encode(list));
        expect(got.fields.map((f) => [f.name, f.value])).toEqual(pairs(c));
      }
    }
  });

  it('produces blocks that hpack.js (an independent decoder) reads back identically', () => {
    for (const story of rawStories.slice(0, 10)) {
      const e = new HpackEncoder();
      const oracle = hpackJs.decompressor.create({ table: { maxSize: 4096 } });
      for (const c of story.cases) {
        const list = pairs(c).map(([name, value]) => ({ name, value }));
        oracle.write(Buffer.from(e.encode(list)));
        oracle.execute();
        const got: Array<[string, string]> = [];
        for (let h = oracle.read(); h !== null; h = oracle.read()) got.push([h.name, h.value]);
        expect(got).toEqual(pairs(c));
      }
    }
  });
});

const fieldArb = fc.record({
  name: fc.stringMatching(/^[a-z0-9-]{1,20}$/),
  value: fc.string({
    unit: fc.integer({ min: 0x20, max: 0xff }).map((n) => String.fromCharCode(n)),
    maxLength: 60,
  }),
  neverIndex: fc.boolean(),
});

describe('RFC 7541 properties', () => {
  it('decode(encode(list)) is the list, over many blocks sharing one context, never-indexed flags kept (§6.2.3)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fieldArb, { maxLength: 12 }), { maxLength: 8 }),
        fc.integer({ min: 0, max: 4096 }),
        (blocks, tableSize) => {
          const e = new HpackEncoder({ maxTableSize: tableSize });
          const d = new HpackDecoder();
          for (const list of blocks) {
            const got = d.decode(e.encode(list)).fields;
            expect(got.map((f) => [f.name, f.value])).toEqual(list.map((f) => [f.name, f.value]));
            got.forEach((f, i) => {
              if (list[i]!.neverIndex) expect(f.neverIndex).toBe(true);
            });
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('§5.2 Huffman: every octet, codes of 5 to 30 bits, round-trips in any order, padded with EOS bits', () => {
    const all = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');
    fc.assert(
      fc.property(
        fc.shuffledSubarray([...all], { minLength: 1 }),
        fc.integer({ min: 0, max: 3 }),
        (chars, at) => {
          const s = chars.join('');
          const out = new Uint8Array(at + huffmanLength(s));
          const end = huffmanEncode(s, out, at);
          expect(end).toBe(out.length);
          expect(huffmanDecode(out, at, end)).toBe(s);
        },
      ),
      { numRuns: 300 },
    );
    // RFC 7541 C.4.1: "www.example.com" → f1e3 c2e5 f23a 6ba0 ab90 f4ff.
    const www = new Uint8Array(huffmanLength('www.example.com'));
    huffmanEncode('www.example.com', www, 0);
    expect(Buffer.from(www).toString('hex')).toBe('f1e3c2e5f23a6ba0ab90f4ff');
  });

  it('arbitrary bytes decode to fields or a COMPRESSION_ERROR / ENHANCE_YOUR_CALM protocol error, never another exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const d = new HpackDecoder();
        try {
          d.decode(bytes);
        } catch (e) {
          expect(H2ProtocolError.is(e)).toBe(true);
          expect(['COMPRESSION_ERROR', 'ENHANCE_YOUR_CALM']).toContain((e as H2ProtocolError).code);
        }
      }),
      { numRuns: 5000 },
    );
  });
});

describe('RFC 7541 rules', () => {
  it('§4.2: a dynamic table size update after the first field is a COMPRESSION_ERROR', () => {
    const block = Buffer.concat([Buffer.from([0x82]), Buffer.from([0x20])]);
    expect(() => new HpackDecoder().decode(block)).toThrow(/size update after the first field/);
  });

  it('§4.2: a size update above the announced SETTINGS_HEADER_TABLE_SIZE is a COMPRESSION_ERROR', () => {
    const block = Buffer.from([0x3f, 0xe2, 0x1f]); // 4096 + 1 … encoded with a 5-bit prefix: 31 + 4066
    expect(() => new HpackDecoder({ maxTableSize: 4096 }).decode(block)).toThrow(/above the announced 4096/);
  });

  it('§6.1: index 0 and indexes beyond both tables are COMPRESSION_ERRORs', () => {
    expect(() => new HpackDecoder().decode(Buffer.from([0x80]))).toThrow(/index 0/);
    expect(() => new HpackDecoder().decode(Buffer.from([0xff, 0x00]))).toThrow(/beyond the tables/);
  });

  it('§5.2: a Huffman string containing EOS or with padding longer than 7 bits is a COMPRESSION_ERROR', () => {
    // literal without indexing, new name "a" (plain), value Huffman 4 octets of 1-bits = EOS inside
    expect(() =>
      new HpackDecoder().decode(Buffer.from([0x00, 0x01, 0x61, 0x84, 0xff, 0xff, 0xff, 0xff])),
    ).toThrow(/invalid Huffman/);
    // value Huffman "0xff": 8 one-bits of padding is too long
    expect(() => new HpackDecoder().decode(Buffer.from([0x00, 0x01, 0x61, 0x81, 0xff]))).toThrow(
      /invalid Huffman/,
    );
  });

  it('RFC 9113 §6.5.2: a list over SETTINGS_MAX_HEADER_LIST_SIZE is flagged oversized while the table stays in step', () => {
    const e = new HpackEncoder();
    const d = new HpackDecoder({ maxHeaderListSize: 100 });
    const big = [
      { name: 'x-big', value: 'v'.repeat(80) },
      { name: 'x-small', value: '1' },
    ];
    const first = d.decode(e.encode(big));
    expect(first.oversized).toBe(true);
    expect(first.fields.length).toBeLessThan(2);
    // The next block refers to both entries the encoder indexed: the decoder must still have them.
    const d2 = d.decode(e.encode([{ name: 'x-small', value: '1' }]));
    expect(d2).toEqual({ fields: [{ name: 'x-small', value: '1' }], oversized: false });
  });

  it('an HPACK bomb (one indexed entry repeated far past the limit) is ENHANCE_YOUR_CALM, found early', () => {
    const e = new HpackEncoder();
    const d = new HpackDecoder({ maxHeaderListSize: 16_384 });
    d.decode(e.encode([{ name: 'x-bomb', value: 'v'.repeat(4000) }]));
    // 1 octet per reference to the dynamic entry: 2000 octets that expand to ~8 MB
    const bomb = new Uint8Array(2000).fill(0x80 | 62);
    expect(() => d.decode(bomb)).toThrow(expect.objectContaining({ code: 'ENHANCE_YOUR_CALM' }));
  });

  it('§7.1.3: authorization and short cookies are encoded never-indexed', () => {
    const e = new HpackEncoder();
    const d = new HpackDecoder();
    const got = d.decode(
      e.encode([
        { name: 'authorization', value: 'Bearer secret' },
        { name: 'cookie', value: 'id=1' },
      ]),
    ).fields;
    expect(got.every((f) => f.neverIndex === true)).toBe(true);
  });

  it('§4.2: a smaller peer table size is signalled at the start of the next block and the table evicts', () => {
    const e = new HpackEncoder();
    const d = new HpackDecoder();
    d.decode(e.encode([{ name: 'x-a', value: 'a'.repeat(100) }]));
    e.setPeerMaxTableSize(0);
    const block = e.encode([{ name: 'x-a', value: 'a'.repeat(100) }]);
    expect(block[0]).toBe(0x20); // size update to 0 first
    expect(d.decode(block).fields).toEqual([{ name: 'x-a', value: 'a'.repeat(100) }]);
  });
});
