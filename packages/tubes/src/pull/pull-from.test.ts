import { finalize, Observable, of, Subject, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { DropOldestQueue } from './drop-oldest-queue.js';
import { isPullSource, pullFrom, toReadableStream } from './pull-from.js';
import { bounded, demandDriven } from './pull-sources.js';
import type { PullSink } from './puller.js';

const noSink: PullSink<unknown> = { next() {}, complete() {}, error() {} };

describe('pullFrom and isPullSource', () => {
  it('refuses a plain Observable without a policy, saying how to bound it', () => {
    expect(() => pullFrom(of(1), noSink)).toThrow(TypeError);
    expect(() => pullFrom(of(1), noSink)).toThrow(/bounded\(source, policy\) or demandDriven/);
  });

  it('refuses what is not a pull source', () => {
    for (const x of [{}, 42, 'text', { getReader: 1 }]) {
      expect(() => pullFrom(x as never, noSink)).toThrow(/not a pull source/);
    }
  });

  it('isPullSource accepts exactly what pullFrom pulls', () => {
    const yes = [
      of(1),
      bounded(of(1), { overflow: 'error', highWaterMark: 1 }),
      demandDriven(() => of(1)),
      new ReadableStream(),
      (async function* () {})(),
    ];
    const no = [null, undefined, 1, 'x', {}, [], { getReader: 'no' }];
    expect(yes.map(isPullSource)).toEqual(yes.map(() => true));
    expect(no.map(isPullSource)).toEqual(no.map(() => false));
  });

  it('bounded(...).stats is live once pulled', () => {
    const subject = new Subject<number>();
    const feed = bounded(subject, { overflow: 'dropOldest', capacity: 2 });
    pullFrom<number>(feed, noSink);
    subject.next(1);
    subject.next(2);
    subject.next(3);
    expect(feed.stats).toMatchObject({ queued: 2, highWater: 2, dropped: 1, delivered: 0 });
  });
});

describe('toReadableStream', () => {
  it('reads only on demand: a demand-driven source is granted one unit per read, none before', async () => {
    let granted = 0;
    let released = false;
    let i = 0;
    const stream = toReadableStream(
      demandDriven<number>(
        (demand) =>
          new Observable<number>((s) => {
            const off = demand.onRequest(() => {
              granted++;
              if (demand.take()) s.next(i++);
            });
            return () => {
              off();
              released = true;
            };
          }),
      ),
    );
    await new Promise((r) => setImmediate(r));
    expect(granted).toBe(0); // highWaterMark 0: nothing read ahead
    const reader = stream.getReader();
    expect(await reader.read()).toEqual({ done: false, value: 0 });
    expect(await reader.read()).toEqual({ done: false, value: 1 });
    await new Promise((r) => setImmediate(r));
    expect(granted).toBe(2);
    await reader.cancel();
    expect(released).toBe(true);
  });

  it('ends when the source completes and errors when it fails', async () => {
    const done = toReadableStream(bounded(of('a'), { overflow: 'error', highWaterMark: 4 })).getReader();
    expect(await done.read()).toEqual({ done: false, value: 'a' });
    expect(await done.read()).toEqual({ done: true, value: undefined });

    const failed = toReadableStream(
      bounded(
        throwError(() => new Error('nope')),
        { overflow: 'error', highWaterMark: 4 },
      ),
    ).getReader();
    await expect(failed.read()).rejects.toThrow('nope');
  });

  it('a plain Observable needs the default policy: refused without one, pulled with it', async () => {
    expect(() => toReadableStream(of(1))).toThrow(TypeError);
    const reader = toReadableStream(of(1, 2), { overflow: 'error', highWaterMark: 4 }).getReader();
    expect((await reader.read()).value).toBe(1);
    expect((await reader.read()).value).toBe(2);
    expect((await reader.read()).done).toBe(true);
  });

  it('cancelling the stream cancels the puller: the source is unsubscribed', async () => {
    let released = false;
    const subject = new Subject<number>();
    const stream = toReadableStream(
      bounded(subject.pipe(finalize(() => (released = true))), { overflow: 'dropOldest', capacity: 4 }),
    );
    const reader = stream.getReader();
    const first = reader.read();
    subject.next(1);
    expect(await first).toEqual({ done: false, value: 1 });
    await reader.cancel('bye');
    expect(released).toBe(true);
    expect(subject.observed).toBe(false);
  });

  it('an overflow while nobody reads errors the stream at once', async () => {
    const subject = new Subject<number>();
    const reader = toReadableStream(bounded(subject, { overflow: 'error', highWaterMark: 1 })).getReader();
    subject.next(1);
    subject.next(2);
    await expect(reader.read()).rejects.toThrow(/more than 1 ahead of demand/);
  });
});

describe('DropOldestQueue', () => {
  it('refuses a capacity that is not a positive integer', () => {
    for (const c of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new DropOldestQueue(c)).toThrow(RangeError);
    }
  });

  it('is a FIFO that wraps around, drops its oldest when full and counts drops once per take', () => {
    const q = new DropOldestQueue<number>(3);
    expect(q.shift()).toBeUndefined();
    q.push(1);
    q.push(2);
    expect(q.shift()).toBe(1);
    q.push(3);
    q.push(4); // wraps
    expect(q.length).toBe(3);
    q.push(5); // drops 2
    q.push(6); // drops 3
    expect([q.dropped, q.highWater, q.length]).toEqual([2, 3, 3]);
    expect(q.takeDropped()).toBe(2);
    expect(q.takeDropped()).toBe(0);
    expect([q.shift(), q.shift(), q.shift(), q.shift()]).toEqual([4, 5, 6, undefined]);
    q.push(7);
    expect(q.takeDropped()).toBe(0);
    expect(q.dropped).toBe(2);
  });
});
