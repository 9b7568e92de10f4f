import { describe, expect, it } from 'vitest';
import { type FetchBody, makeStreamUntouched, untouchedBodySource } from './untouched-body-source.js';

const stream = (...chunks: number[][]): ReadableStream<Uint8Array> =>
  new ReadableStream({
    start(c) {
      for (const chunk of chunks) c.enqueue(new Uint8Array(chunk));
      c.close();
    },
  });

const bodyOf = (source: unknown, s = stream([1])): FetchBody => ({ stream: s, source });

describe('untouchedBodySource', () => {
  it('gives the string or bytes an untouched body was built from', () => {
    expect(untouchedBodySource(bodyOf('hi'))).toBe('hi');
    expect(untouchedBodySource(bodyOf(new Uint8Array([1, 2])))).toEqual(new Uint8Array([1, 2]));
  });

  it('gives nothing once the stream was read, even partly, or is locked', async () => {
    const partly = stream([1], [2]);
    const reader = partly.getReader();
    await reader.read();
    expect(untouchedBodySource(bodyOf('12', partly))).toBeUndefined();
    reader.releaseLock();
    expect(untouchedBodySource(bodyOf('12', partly))).toBeUndefined();

    const locked = stream([1]);
    locked.getReader();
    expect(untouchedBodySource(bodyOf('1', locked))).toBeUndefined();

    const whole = new Response('whole');
    await whole.text();
    expect(untouchedBodySource(bodyOf('whole', whole.body as ReadableStream<Uint8Array>))).toBeUndefined();
  });

  it('gives nothing for sources it cannot send as they are (streams, Blobs, none)', () => {
    expect(untouchedBodySource(bodyOf(stream([1])))).toBeUndefined();
    expect(untouchedBodySource(bodyOf(new Blob(['b'])))).toBeUndefined();
    expect(untouchedBodySource(bodyOf(null))).toBeUndefined();
  });
});

describe('makeStreamUntouched', () => {
  /** The three states a checker must tell apart, on real streams. */
  const answers = async (untouched: (s: ReadableStream<Uint8Array>) => boolean) => {
    const read = stream([1]);
    const reader = read.getReader();
    await reader.read();
    reader.releaseLock();
    const locked = stream([1]);
    locked.getReader();
    return { fresh: untouched(stream([1])), locked: untouched(locked), read: untouched(read) };
  };
  const right = { fresh: true, locked: false, read: false };

  it("reads Node's own stream state when it has the probed shape", async () => {
    expect(await answers(makeStreamUntouched(() => new ReadableStream()))).toEqual(right);
  });

  it('answers through locked and isDisturbed when the stream state is not where probed', async () => {
    // No state symbol at all.
    const bare = makeStreamUntouched(() => ({}) as ReadableStream<Uint8Array>);
    expect(await answers(bare)).toEqual(right);
    // A state symbol whose fields do not follow locking, or reading.
    const kState = Symbol('kState');
    const fake = (state: unknown, onLock: () => void = () => {}) =>
      makeStreamUntouched(
        () =>
          ({
            [kState]: state,
            getReader: () => {
              onLock();
              return { read: () => Promise.resolve({ done: true }), cancel: () => Promise.resolve() };
            },
          }) as unknown as ReadableStream<Uint8Array>,
      );
    expect(await answers(fake({ reader: undefined, disturbed: false }))).toEqual(right);
    const lockOnly = { reader: undefined as unknown, disturbed: false };
    expect(await answers(fake(lockOnly, () => (lockOnly.reader = {})))).toEqual(right);
    expect(await answers(fake(1))).toEqual(right);
    const lockedAtStart = makeStreamUntouched(() => {
      const s = new ReadableStream<Uint8Array>();
      s.getReader();
      return s;
    });
    expect(await answers(lockedAtStart)).toEqual(right);
  });

  it('answers a stream without that state (another implementation) through the public getters', () => {
    const untouched = makeStreamUntouched(() => new ReadableStream());
    const foreign = { locked: true } as unknown as ReadableStream<Uint8Array>;
    expect(untouched(foreign)).toBe(false);
  });
});
