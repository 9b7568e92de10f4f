import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameTooLargeError, FramingError } from './framing-errors.js';
import { HeaderLengthSplitter } from './header-length-splitter.js';

/** A 2-octet big-endian length prefix. */
const options = (maxBodyLength = 100) => ({
  headerLength: 2,
  bodyLength: (b: Uint8Array, o: number) => ((b[o] as number) << 8) | (b[o + 1] as number),
  maxBodyLength,
});
const frame = (body: number[]) => Uint8Array.from([body.length >> 8, body.length & 0xff, ...body]);

describe('HeaderLengthSplitter edges', () => {
  it('a header split across chunks, then the body octet by octet: `buffered` counts what is held', () => {
    const s = new HeaderLengthSplitter(options());
    const out: number[][] = [];
    const emit = (f: Uint8Array) => out.push([...f]);
    const f = frame([1, 2, 3]);
    for (let i = 0; i < f.length; i++) {
      s.push(f.subarray(i, i + 1), emit);
      expect(s.buffered).toBe(i + 1 === f.length ? 0 : i + 1);
    }
    expect(out).toEqual([[0, 3, 1, 2, 3]]);
    expect(() => s.end()).not.toThrow();
  });

  it('starts at `from`; an empty chunk and an empty body are fine', () => {
    const s = new HeaderLengthSplitter(options());
    const out: number[][] = [];
    s.push(new Uint8Array(0), (f) => out.push([...f]));
    s.push(Uint8Array.from([9, 9, ...frame([]), ...frame([7])]), (f) => out.push([...f]), 2);
    expect(out).toEqual([
      [0, 0],
      [0, 1, 7],
    ]);
  });

  it('calls `emit` with `thisArg` as `this`, for whole and for completed frames', () => {
    const s = new HeaderLengthSplitter(options());
    const sink = { out: [] as number[][] };
    function emit(this: typeof sink, f: Uint8Array): void {
      this.out.push([...f]);
    }
    const f = frame([5, 6]);
    s.push(Uint8Array.from([...frame([4]), ...f.subarray(0, 3)]), emit, 0, sink);
    s.push(f.subarray(3), emit, 0, sink);
    expect(sink.out).toEqual([
      [0, 1, 4],
      [0, 2, 5, 6],
    ]);
  });

  it('a too-large length is refused from the header alone, even when the header straddles chunks', () => {
    const s = new HeaderLengthSplitter(options(4));
    s.push(Uint8Array.of(0), () => {});
    expect(() => s.push(Uint8Array.of(5), () => {})).toThrow(FrameTooLargeError);
    const whole = new HeaderLengthSplitter(options(4));
    expect(() => whole.push(Uint8Array.of(0, 5, 1), () => {})).toThrow(FrameTooLargeError);
  });

  it('custom errors; maxBodyLength may change while running', () => {
    const s = new HeaderLengthSplitter({
      ...options(2),
      tooLarge: (length, max) => new RangeError(`${length} > ${max}`),
      truncated: (held) => new TypeError(`held ${held}`),
    });
    expect(() => s.push(frame([1, 2, 3]), () => {})).toThrow('3 > 2');
    s.maxBodyLength = 3;
    const t = new HeaderLengthSplitter({ ...options(2), truncated: (held) => new TypeError(`held ${held}`) });
    t.maxBodyLength = 3;
    t.push(frame([1, 2, 3]).subarray(0, 3), () => {});
    expect(() => t.end()).toThrow('held 3');
    const d = new HeaderLengthSplitter(options());
    d.push(Uint8Array.of(0), () => {});
    expect(() => d.end()).toThrow(FramingError);
  });

  it('any cut of a run of frames gives the same frames', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 20 }), { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (bodies, cuts) => {
          const bytes = Uint8Array.from(bodies.flatMap((b) => [...frame(b)]));
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const s = new HeaderLengthSplitter(options());
          const out: number[][] = [];
          let at = 0;
          for (const p of [...points, bytes.length]) {
            s.push(bytes.slice(at, p), (f) => out.push([...f.subarray(2)]));
            at = p;
          }
          expect(out).toEqual(bodies);
          expect(s.buffered).toBe(0);
        },
      ),
    );
  });
});
