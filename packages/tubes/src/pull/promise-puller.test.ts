import { describe, expect, it } from 'vitest';
import { pullFrom } from './pull-from.js';
import type { PullSink } from './puller.js';

type Heard<T> = { next: T; last: boolean } | { complete: true } | { error: unknown };

function recordingSink<T>(onNext?: (value: T) => void) {
  const heard: Heard<T>[] = [];
  const sink: PullSink<T> = {
    next(value, last) {
      heard.push({ next: value, last });
      onNext?.(value);
    },
    complete: () => heard.push({ complete: true }),
    error: (e) => heard.push({ error: e }),
  };
  return { sink, heard };
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  await new Promise((r) => setImmediate(r));
};

/** A ReadableStream of `items` that counts its pulls and remembers its cancel reason. */
function counted<T>(items: T[], failAt?: number) {
  let pulls = 0;
  let cancelled = 0;
  const stream = new ReadableStream<T>(
    {
      pull(controller) {
        if (pulls === failAt) controller.error(new Error('read failed'));
        else if (pulls < items.length) controller.enqueue(items[pulls] as T);
        else controller.close();
        pulls++;
      },
      cancel() {
        cancelled++;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulls: () => pulls, cancelled: () => cancelled };
}

describe('PromisePuller: ReadableStream', () => {
  it('reads one chunk per request, only when asked; completes at the end', async () => {
    const src = counted(['a', 'b']);
    const { sink, heard } = recordingSink<string>();
    const p = pullFrom(src.stream, sink);
    await settle();
    expect(src.pulls()).toBe(0);
    p.request();
    await settle();
    expect(src.pulls()).toBe(1);
    expect(heard).toEqual([{ next: 'a', last: false }]);
    p.request();
    await settle();
    p.request();
    await settle();
    expect(heard).toEqual([{ next: 'a', last: false }, { next: 'b', last: false }, { complete: true }]);
  });

  it('a failed read is reported as the answer', async () => {
    const src = counted(['a'], 1);
    const { sink, heard } = recordingSink<string>();
    const p = pullFrom(src.stream, sink);
    p.request();
    await settle();
    p.request();
    await settle();
    expect(heard[1]).toMatchObject({ error: { message: 'read failed' } });
  });

  it('cancel cancels the reader; an answer still in flight is not delivered', async () => {
    let answer: ((v: string) => void) | undefined;
    let cancelled = 0;
    const stream = new ReadableStream<string>(
      {
        pull: (c) =>
          new Promise<void>((r) => {
            answer = (v) => {
              try {
                c.enqueue(v);
              } catch {
                // cancelled meanwhile
              }
              r();
            };
          }),
        cancel: () => {
          cancelled++;
        },
      },
      { highWaterMark: 0 },
    );
    const { sink, heard } = recordingSink<string>();
    const p = pullFrom(stream, sink);
    p.request();
    await settle();
    p.cancel();
    p.cancel();
    answer?.('late');
    await settle();
    expect(cancelled).toBe(1);
    expect(heard).toEqual([]);
  });

  it('a request after cancel reads nothing', async () => {
    const src = counted(['a']);
    const { sink, heard } = recordingSink<string>();
    const p = pullFrom(src.stream, sink);
    p.cancel();
    p.request();
    await settle();
    expect(src.pulls()).toBe(0);
    expect(heard).toEqual([]);
  });
});

describe('PromisePuller: AsyncIterable', () => {
  it('reads one item per request; a re-entrant request from sink.next is answered in turn', async () => {
    let produced = 0;
    async function* gen() {
      for (let i = 0; i < 3; i++) {
        produced++;
        yield i;
      }
    }
    let p: ReturnType<typeof pullFrom> | undefined;
    const { sink, heard } = recordingSink<number>(() => p?.request());
    p = pullFrom(gen(), sink);
    expect(produced).toBe(0);
    p.request();
    await settle();
    expect(heard).toEqual([
      { next: 0, last: false },
      { next: 1, last: false },
      { next: 2, last: false },
      { complete: true },
    ]);
  });

  it('cancel calls iterator.return(), so a generator runs its finally; nothing is delivered after', async () => {
    let finalized = false;
    async function* gen() {
      try {
        yield 1;
        yield 2;
      } finally {
        finalized = true;
      }
    }
    const { sink, heard } = recordingSink<number>();
    const p = pullFrom(gen(), sink);
    p.request();
    await settle();
    p.cancel();
    await settle();
    expect(finalized).toBe(true);
    expect(heard).toEqual([{ next: 1, last: false }]);
  });

  it('a thrown error is the answer; after cancel, a late rejection is not delivered', async () => {
    async function* gen(): AsyncGenerator<number> {
      yield 1;
      throw new Error('gen failed');
    }
    const { sink, heard } = recordingSink<number>();
    const p = pullFrom(gen(), sink);
    p.request();
    await settle();
    p.request();
    await settle();
    expect(heard[1]).toMatchObject({ error: { message: 'gen failed' } });

    let reject: ((e: unknown) => void) | undefined;
    const pending: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({
        next: () => new Promise<IteratorResult<number>>((_, rj) => (reject = rj)),
      }),
    };
    const second = recordingSink<number>();
    const q = pullFrom(pending, second.sink);
    q.request();
    q.cancel(); // no return(): nothing to stop
    reject?.(new Error('late'));
    await settle();
    expect(second.heard).toEqual([]);
  });

  it('an iterator whose next() or return() throws synchronously: the throw is the answer, cancel is quiet', async () => {
    const iterable: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({
        next: () => {
          throw new Error('sync next');
        },
        return: () => {
          throw new Error('sync return');
        },
      }),
    };
    const { sink, heard } = recordingSink<number>();
    const p = pullFrom(iterable, sink);
    expect(() => p.request()).not.toThrow();
    await settle();
    expect(heard).toMatchObject([{ error: { message: 'sync next' } }]);
    expect(() => p.cancel()).not.toThrow();
  });

  it('a return() that rejects is swallowed', async () => {
    const iterable: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({
        next: async () => ({ done: false, value: 1 }),
        return: async () => {
          throw new Error('return failed');
        },
      }),
    };
    const p = pullFrom(iterable, recordingSink<number>().sink);
    p.cancel();
    await settle(); // an unhandled rejection would fail the run
  });
});
