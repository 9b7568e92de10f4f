import fc from 'fast-check';
import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  encodeLengthPrefixed,
  encodeNetstring,
  prefixLength,
  splitByHeaderLength,
  splitDelimited,
  splitLengthPrefixed,
  splitNetstrings,
} from './framing.js';
import { FrameTooLargeError, FramingError } from './framing-errors.js';

function cut(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let at = 0;
  for (const p of points) {
    out.push(bytes.subarray(at, p));
    at = p;
  }
  out.push(bytes.subarray(at));
  return out;
}
const concat = (parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
const run = (chunks: Uint8Array[], op: Parameters<ReturnType<typeof from<Uint8Array[]>>['pipe']>[0]) =>
  lastValueFrom(from(chunks).pipe(op as never, toArray())) as Promise<Uint8Array[]>;

const bodies = fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 10 });
const cuts = fc.array(fc.nat(), { maxLength: 12 });

describe('framing tubes: any chunking of any frames yields the same frames', () => {
  it('length-prefixed, 1/2/4-octet prefixes (round trip)', async () => {
    await fc.assert(
      fc.asyncProperty(
        bodies,
        cuts,
        fc.constantFrom(1 as const, 2 as const, 4 as const),
        async (bs, cs, size) => {
          const wire = concat(bs.map((b) => encodeLengthPrefixed(b, size)));
          const got = await run(cut(wire, cs), splitLengthPrefixed({ prefixLength: size, maxLength: 255 }));
          expect(got.map((g) => [...g])).toEqual(bs.map((b) => [...b]));
        },
      ),
    );
  });

  it('netstrings (round trip)', async () => {
    await fc.assert(
      fc.asyncProperty(bodies, cuts, async (bs, cs) => {
        const got = await run(cut(concat(bs.map(encodeNetstring)), cs), splitNetstrings({ maxLength: 100 }));
        expect(got.map((g) => [...g])).toEqual(bs.map((b) => [...b]));
      }),
    );
  });

  it('delimited lines, split at every byte too', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.stringMatching(/^[a-z ]{0,20}$/), { maxLength: 8 }),
        cuts,
        async (lines, cs) => {
          const wire = new TextEncoder().encode(lines.map((l) => `${l}\n`).join(''));
          const got = await run(cut(wire, cs), splitDelimited({ maxLength: 64 }));
          expect(got.map((g) => new TextDecoder().decode(g))).toEqual(lines);
        },
      ),
    );
    const wire = new TextEncoder().encode('ab\ncd\n');
    const oneByOne = await run(
      [...wire].map((b) => Uint8Array.of(b)),
      splitDelimited({ maxLength: 8 }),
    );
    expect(oneByOne.map((g) => new TextDecoder().decode(g))).toEqual(['ab', 'cd']);
  });

  it('a fixed header carrying the length (gRPC 5-octet prefix shape), emitted header + body', async () => {
    await fc.assert(
      fc.asyncProperty(bodies, cuts, async (bs, cs) => {
        const frames = bs.map((b) => concat([Uint8Array.of(0, 0, 0, 0, b.length), b]));
        const got = await run(
          cut(concat(frames), cs),
          splitByHeaderLength({ headerLength: 5, bodyLength: (buf, o) => buf[o + 4]!, maxBodyLength: 100 }),
        );
        expect(got.map((g) => [...g])).toEqual(frames.map((f) => [...f]));
      }),
    );
  });
});

describe('prefixLength', () => {
  it('emits the prefix and then the body itself (no copy), which splitLengthPrefixed reads back', async () => {
    const body = Uint8Array.of(5, 6, 7);
    const out = await lastValueFrom(from([body]).pipe(prefixLength(2), toArray()));
    expect(out[1]).toBe(body);
    const back = await run(out, splitLengthPrefixed({ prefixLength: 2, maxLength: 10 }));
    expect(back.map((b) => [...b])).toEqual([[5, 6, 7]]);
  });
});

describe('framing limits and errors', () => {
  it('a frame inside one chunk is a view of that chunk (no copy)', async () => {
    const wire = encodeLengthPrefixed(Uint8Array.of(1, 2, 3), 2);
    const [got] = await run([wire], splitLengthPrefixed({ prefixLength: 2, maxLength: 10 }));
    expect(got!.buffer).toBe(wire.buffer);
  });

  it('a length over the maximum is a FrameTooLargeError from the prefix alone', async () => {
    await expect(
      run([Uint8Array.of(0xff, 0xff)], splitLengthPrefixed({ prefixLength: 2, maxLength: 100 })),
    ).rejects.toBeInstanceOf(FrameTooLargeError);
  });

  it('a line longer than the maximum without a delimiter fails instead of buffering without bound', async () => {
    await expect(
      run([new Uint8Array(100).fill(0x61)], splitDelimited({ maxLength: 10 })),
    ).rejects.toBeInstanceOf(FrameTooLargeError);
  });

  it('malformed netstrings and input ending inside a frame are FramingErrors', async () => {
    await expect(
      run([new TextEncoder().encode('3:abc;')], splitNetstrings({ maxLength: 10 })),
    ).rejects.toBeInstanceOf(FramingError);
    await expect(
      run([new TextEncoder().encode('x:')], splitNetstrings({ maxLength: 10 })),
    ).rejects.toBeInstanceOf(FramingError);
    await expect(
      run([Uint8Array.of(0, 5, 1)], splitLengthPrefixed({ prefixLength: 2, maxLength: 10 })),
    ).rejects.toBeInstanceOf(FramingError);
  });
});
