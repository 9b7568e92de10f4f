import { concat, finalize, from, Observable, of, Subject, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { BufferOverflowError, type Demand } from '../demand.js';
import { Pauser } from '../pauser.js';
import type { OverflowPolicy } from './overflow-policy.js';
import { pullFrom } from './pull-from.js';
import { bounded, demandDriven } from './pull-sources.js';
import type { PullSink } from './puller.js';

type Heard<T> = { next: T; last: boolean } | { complete: true } | { error: unknown };

/** A sink that records every call; `onNext` runs inside `next` (re-entrancy). */
function recordingSink<T>(onNext?: (value: T, last: boolean) => void) {
  const heard: Heard<T>[] = [];
  const values: T[] = [];
  const sink: PullSink<T> = {
    next(value, last) {
      heard.push({ next: value, last });
      values.push(value);
      onNext?.(value, last);
    },
    complete: () => heard.push({ complete: true }),
    error: (e) => heard.push({ error: e }),
  };
  return { sink, heard, values };
}

const ERROR16: OverflowPolicy<number> = { overflow: 'error', highWaterMark: 16 };

/** A Subject that says whether it is still subscribed. */
function hot<T>() {
  const subject = new Subject<T>();
  let released = 0;
  const source = subject.pipe(finalize(() => released++));
  return { subject, source, released: () => released };
}

describe('ObservablePuller: answering requests', () => {
  it('a synchronous source: one item per request, last=true on the final one, then complete', () => {
    const { sink, heard } = recordingSink<number>();
    const p = pullFrom(bounded(of(1, 2, 3), ERROR16), sink);
    expect(heard).toEqual([]); // nothing before a request
    p.request();
    p.request();
    expect(heard).toEqual([
      { next: 1, last: false },
      { next: 2, last: false },
    ]);
    p.request();
    expect(heard.at(-1)).toEqual({ next: 3, last: true });
    p.request();
    expect(heard.at(-1)).toEqual({ complete: true });
    p.request(); // finished: nothing more
    expect(heard).toHaveLength(4);
  });

  it('an asynchronous source answers an outstanding request when it emits; completion while waiting completes', () => {
    const { subject, source } = hot<number>();
    const { sink, heard } = recordingSink<number>();
    const p = pullFrom(bounded(source, ERROR16), sink);
    p.request();
    expect(heard).toEqual([]);
    subject.next(1);
    expect(heard).toEqual([{ next: 1, last: false }]);
    subject.next(2); // held: no request outstanding
    expect(heard).toHaveLength(1);
    p.request();
    expect(heard.at(-1)).toEqual({ next: 2, last: false });
    p.request();
    subject.complete();
    expect(heard.at(-1)).toEqual({ complete: true });
  });

  it('an item held when the source completes is delivered with last=true', () => {
    const { subject, source } = hot<number>();
    const { sink, heard } = recordingSink<number>();
    const p = pullFrom(bounded(source, ERROR16), sink);
    subject.next(7);
    subject.next(8);
    subject.complete();
    p.request();
    p.request();
    expect(heard).toEqual([
      { next: 7, last: false },
      { next: 8, last: true },
    ]);
  });

  it('an empty source completes at the first request', () => {
    const { sink, heard } = recordingSink<number>();
    pullFrom(bounded(of<number>(), ERROR16), sink).request();
    expect(heard).toEqual([{ complete: true }]);
  });

  it('a plain Observable with the default policy given by the caller is pulled under it', () => {
    const { sink, values } = recordingSink<number>();
    const p = pullFrom(of(1, 2), sink, ERROR16);
    p.request();
    p.request();
    expect(values).toEqual([1, 2]);
  });
});

describe('ObservablePuller: errors', () => {
  it('a source that fails while subscribing is reported at the first request, not before', () => {
    const { sink, heard } = recordingSink<number>();
    const boom = new Error('boom');
    const p = pullFrom(
      bounded(
        throwError(() => boom),
        ERROR16,
      ),
      sink,
    );
    expect(heard).toEqual([]);
    p.request();
    expect(heard).toEqual([{ error: boom }]);
    p.request();
    expect(heard).toHaveLength(1);
  });

  it('a failure while a request is outstanding answers it', () => {
    const { subject, source } = hot<number>();
    const { sink, heard } = recordingSink<number>();
    const p = pullFrom(bounded(source, ERROR16), sink);
    p.request();
    subject.error('bad');
    expect(heard).toEqual([{ error: 'bad' }]);
  });

  it('a failure while no request is outstanding is reported at once, and held items are discarded', () => {
    const { subject, source } = hot<number>();
    const { sink, heard } = recordingSink<number>();
    const stats = bounded(source, ERROR16);
    const p = pullFrom(stats, sink);
    subject.next(1);
    subject.next(2);
    subject.error('bad');
    expect(heard).toEqual([{ error: 'bad' }]);
    expect(stats.stats.queued).toBe(0);
    p.request();
    p.cancel();
    expect(heard).toHaveLength(1);
  });

  it("'error': holding more than highWaterMark units fails with BufferOverflowError (sizeOf counts units) and unsubscribes", () => {
    const { subject, source, released } = hot<Uint8Array>();
    const { sink, heard } = recordingSink<Uint8Array>();
    pullFrom(bounded(source, { overflow: 'error', highWaterMark: 10, sizeOf: (c) => c.length }), sink);
    subject.next(new Uint8Array(4));
    subject.next(new Uint8Array(4));
    subject.next(new Uint8Array(2)); // 10: at the mark, not past it
    expect(heard).toEqual([]);
    subject.next(new Uint8Array(1));
    expect(heard).toHaveLength(1);
    const e = (heard[0] as { error: Error }).error;
    expect(e).toBeInstanceOf(BufferOverflowError);
    expect(e.message).toMatch(/more than 10 ahead of demand.*bounded\(source.*demand-driven/);
    expect(released()).toBe(1);
    expect(subject.observed).toBe(false);
  });

  it("'error': a synchronous source that overflows while subscribing fails at the first request, unsubscribed", () => {
    let released = 0;
    const { sink, heard } = recordingSink<number>();
    const source = from(Array.from({ length: 20 }, (_, i) => i)).pipe(finalize(() => released++));
    const p = pullFrom(bounded(source, { overflow: 'error', highWaterMark: 4 }), sink);
    expect(released).toBe(1);
    expect(heard).toEqual([]);
    p.request();
    expect((heard[0] as { error: unknown }).error).toBeInstanceOf(BufferOverflowError);
  });
});

describe('ObservablePuller: stats and first failures', () => {
  it("'error' and 'pause' never drop", () => {
    const { subject, source } = hot<number>();
    const feed = bounded(source, ERROR16);
    const { sink } = recordingSink<number>();
    const p = pullFrom(feed, sink);
    subject.next(1);
    subject.next(2);
    p.request();
    expect(feed.stats).toMatchObject({ queued: 1, highWater: 2, dropped: 0, delivered: 1 });
  });

  it('only the first failure is reported: a source that overflows while subscribing and then errors', () => {
    const { sink, heard } = recordingSink<number>();
    const source = concat(
      from([1, 2, 3]),
      throwError(() => new Error('later')),
    );
    const p = pullFrom(bounded(source, { overflow: 'error', highWaterMark: 1 }), sink);
    p.request();
    p.request();
    expect(heard).toHaveLength(1);
    expect((heard[0] as { error: unknown }).error).toBeInstanceOf(BufferOverflowError);
  });
});

describe('ObservablePuller: cancel', () => {
  it('unsubscribes the source; no sink call follows, whatever the source or the consumer does', () => {
    const { subject, source, released } = hot<number>();
    const { sink, heard } = recordingSink<number>();
    const p = pullFrom(bounded(source, ERROR16), sink);
    subject.next(1);
    p.request();
    p.request();
    p.cancel();
    expect(released()).toBe(1);
    expect(subject.observed).toBe(false);
    subject.next(2);
    subject.complete();
    p.request();
    p.cancel(); // twice is harmless
    expect(heard).toEqual([{ next: 1, last: false }]);
  });

  it('from inside sink.next', () => {
    const { subject, source, released } = hot<number>();
    let p: ReturnType<typeof pullFrom> | undefined;
    const { sink, heard } = recordingSink<number>(() => p?.cancel());
    p = pullFrom(bounded(source, ERROR16), sink);
    subject.next(1);
    subject.next(2);
    p.request();
    p.request();
    expect(heard).toEqual([{ next: 1, last: false }]);
    expect(released()).toBe(1);
  });
});

describe('ObservablePuller: re-entrant request() from inside sink.next', () => {
  it('drains a large held buffer in order without recursion', () => {
    const N = 50_000;
    let p: ReturnType<typeof pullFrom> | undefined;
    const { sink, values, heard } = recordingSink<number>((_, last) => {
      if (!last) p?.request();
    });
    p = pullFrom(
      bounded(from(Array.from({ length: N }, (_, i) => i)), {
        overflow: 'error',
        highWaterMark: N,
      } as OverflowPolicy<number>),
      sink,
    );
    p.request();
    expect(values).toHaveLength(N);
    expect(values.every((v, i) => v === i)).toBe(true);
    expect(heard.at(-1)).toEqual({ next: N - 1, last: true });
  });

  it('pulls a synchronous demand-driven source of many items without recursion', () => {
    const N = 50_000;
    let grants = 0;
    const source = demandDriven<number>(
      (demand) =>
        new Observable<number>((s) => {
          let i = 0;
          return demand.onRequest(() => {
            grants++;
            while (i < N && demand.take()) s.next(i++);
            if (i === N) s.complete();
          });
        }),
    );
    let p: ReturnType<typeof pullFrom> | undefined;
    const { sink, values, heard } = recordingSink<number>(() => p?.request());
    p = pullFrom(source, sink);
    p.request();
    expect(values).toHaveLength(N);
    expect(values.every((v, i) => v === i)).toBe(true);
    expect(heard.at(-1)).toEqual({ complete: true });
    expect(grants).toBe(N); // one unit per request; the last grant also ends the source
  });
});

describe('demand-driven sources', () => {
  /** A source that emits `perGrant` items each time it is granted credit, whatever the credit. */
  function greedy(perGrant: number) {
    let demandSeen: Demand | undefined;
    let emitted = 0;
    const source = demandDriven<number>((demand) => {
      demandSeen = demand;
      return new Observable<number>((s) =>
        demand.onRequest(() => {
          for (let i = 0; i < perGrant; i++) s.next(emitted++);
        }),
      );
    });
    return { source, demand: () => demandSeen, emitted: () => emitted };
  }

  it('is granted exactly one unit per request, and nothing before the first', () => {
    let granted = 0;
    const source = demandDriven<number>(
      (demand) =>
        new Observable<number>((s) => {
          let i = 0;
          return demand.onRequest(() => {
            granted++;
            if (i < 3 && demand.take()) s.next(i++);
          });
        }),
    );
    const { sink, values } = recordingSink<number>();
    const p = pullFrom(source, sink);
    expect(granted).toBe(0);
    p.request();
    p.request();
    expect(granted).toBe(2);
    expect(values).toEqual([0, 1]);
  });

  it('an asynchronous one answers later, and its credit is not granted twice for one request', async () => {
    let d: Demand | undefined;
    const emit = new Subject<number>();
    const source = demandDriven<number>((demand) => {
      d = demand;
      return new Observable<number>((s) => {
        const sub = emit.subscribe((x) => {
          if (demand.take()) s.next(x);
        });
        return () => sub.unsubscribe();
      });
    });
    const { sink, values } = recordingSink<number>();
    const p = pullFrom(source, sink);
    p.request();
    expect(d?.outstanding).toBe(1);
    await Promise.resolve();
    emit.next(5);
    emit.next(6); // no credit: not emitted
    expect(values).toEqual([5]);
    expect(d?.outstanding).toBe(0);
    p.cancel();
    expect(emit.observed).toBe(false);
  });

  it('one that emits past its credit is tolerated up to 16 held items', () => {
    const g = greedy(17); // 1 answers the request, 16 held
    const { sink, heard, values } = recordingSink<number>();
    const p = pullFrom(g.source, sink);
    p.request();
    expect(heard).toHaveLength(1);
    for (let i = 0; i < 16; i++) p.request(); // answered from what is held: no credit granted
    expect(values).toEqual(Array.from({ length: 17 }, (_, i) => i));
    expect(g.emitted()).toBe(17);
  });

  it('and fails with BufferOverflowError past 16', () => {
    const g = greedy(18); // 1 answers the request, 17 held
    const { sink, heard } = recordingSink<number>();
    pullFrom(g.source, sink).request();
    expect(heard[0]).toEqual({ next: 0, last: false });
    expect((heard[1] as { error: unknown }).error).toBeInstanceOf(BufferOverflowError);
    expect(heard).toHaveLength(2);
  });

  it('cancel unsubscribes it', () => {
    let released = false;
    const source = demandDriven<number>(() => new Observable<number>(() => () => (released = true)));
    const p = pullFrom(source, recordingSink<number>().sink);
    p.request();
    p.cancel();
    expect(released).toBe(true);
  });
});

describe("'pause' policy", () => {
  function paused() {
    let pauses = 0;
    let resumes = 0;
    const pauser = new Pauser(
      () => pauses++,
      () => resumes++,
    );
    return { pauser, pauses: () => pauses, resumes: () => resumes };
  }

  it('pauses once past the mark, unpauses once drained to it, and again as often as needed', () => {
    const { subject, source } = hot<number>();
    const pz = paused();
    const { sink, values } = recordingSink<number>();
    const p = pullFrom(
      bounded(source, { overflow: 'pause', highWaterMark: 2, pause: () => pz.pauser.pause('test') }),
      sink,
    );
    subject.next(1);
    subject.next(2);
    expect(pz.pauses()).toBe(0);
    subject.next(3);
    subject.next(4); // a source that takes a moment to stop: held, not failed
    expect([pz.pauses(), pz.resumes()]).toEqual([1, 0]);
    p.request(); // 3 held
    expect(pz.resumes()).toBe(0);
    p.request(); // 2 held: at the mark
    expect(pz.resumes()).toBe(1);
    subject.next(5);
    subject.next(6);
    expect([pz.pauses(), pz.resumes()]).toEqual([2, 1]);
    for (let i = 0; i < 4; i++) p.request();
    expect([pz.pauses(), pz.resumes()]).toEqual([2, 2]);
    expect(values).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('sizeOf counts units', () => {
    const { subject, source } = hot<string>();
    const pz = paused();
    pullFrom(
      bounded(source, {
        overflow: 'pause',
        highWaterMark: 5,
        sizeOf: (s) => s.length,
        pause: () => pz.pauser.pause(),
      }),
      recordingSink<string>().sink,
    );
    subject.next('abc');
    expect(pz.pauses()).toBe(0);
    subject.next('abc');
    expect(pz.pauses()).toBe(1);
  });

  it('cancel while paused unpauses', () => {
    const { subject, source } = hot<number>();
    const pz = paused();
    const p = pullFrom(
      bounded(source, { overflow: 'pause', highWaterMark: 0, pause: () => pz.pauser.pause() }),
      recordingSink<number>().sink,
    );
    subject.next(1);
    expect(pz.pauser.paused).toBe(true);
    p.cancel();
    expect(pz.pauser.paused).toBe(false);
  });

  it('an error while paused unpauses and is reported', () => {
    const { subject, source } = hot<number>();
    const pz = paused();
    const { sink, heard } = recordingSink<number>();
    pullFrom(bounded(source, { overflow: 'pause', highWaterMark: 0, pause: () => pz.pauser.pause() }), sink);
    subject.next(1);
    subject.error('x');
    expect(pz.pauser.paused).toBe(false);
    expect(heard).toEqual([{ error: 'x' }]);
  });
});

describe("'dropOldest' policy", () => {
  const lagged = (n: number) => -n;

  it('keeps the newest `capacity` items; the next pull gets lagged(dropped) first, then the newest in order', () => {
    const { subject, source } = hot<number>();
    const feed = bounded(source, { overflow: 'dropOldest', capacity: 3, lagged });
    expect(feed.stats).toEqual({ queued: 0, highWater: 0, dropped: 0, delivered: 0 });
    const { sink, heard } = recordingSink<number>();
    const p = pullFrom(feed, sink);
    for (let i = 0; i < 10; i++) subject.next(i);
    expect(feed.stats).toMatchObject({ queued: 3, highWater: 3, dropped: 7, delivered: 0 });
    subject.complete();
    for (let i = 0; i < 5; i++) p.request();
    expect(heard).toEqual([
      { next: -7, last: false },
      { next: 7, last: false },
      { next: 8, last: false },
      { next: 9, last: true },
      { complete: true },
    ]);
    expect(feed.stats).toMatchObject({ queued: 0, dropped: 7, delivered: 3 }); // the notice is not counted
  });

  it('tells each gap once, with the count dropped since the previous notice', () => {
    const { subject, source } = hot<number>();
    const feed = bounded(source, { overflow: 'dropOldest', capacity: 2, lagged });
    const { sink, values } = recordingSink<number>();
    const p = pullFrom(feed, sink);
    for (let i = 0; i < 5; i++) subject.next(i); // drops 0,1,2
    p.request();
    p.request(); // -3, 3
    for (let i = 5; i < 9; i++) subject.next(i); // holds 4 then drops 4,5,6
    for (let i = 0; i < 3; i++) p.request();
    expect(values).toEqual([-3, 3, -3, 7, 8]);
    expect(feed.stats.dropped).toBe(6);
    expect(values.filter((v) => v < 0).reduce((a, b) => a - b, 0)).toBe(feed.stats.dropped);
  });

  it('without lagged, the gap is silent', () => {
    const { subject, source } = hot<number>();
    const { sink, values } = recordingSink<number>();
    const p = pullFrom(bounded(source, { overflow: 'dropOldest', capacity: 1 }), sink);
    subject.next(1);
    subject.next(2);
    p.request();
    expect(values).toEqual([2]);
  });

  it('never drops while the consumer keeps up', () => {
    const { subject, source } = hot<number>();
    const feed = bounded(source, { overflow: 'dropOldest', capacity: 1, lagged });
    const { sink, values } = recordingSink<number>();
    const p = pullFrom(feed, sink);
    for (let i = 0; i < 5; i++) {
      p.request();
      subject.next(i);
    }
    expect(values).toEqual([0, 1, 2, 3, 4]);
    expect(feed.stats).toMatchObject({ dropped: 0, delivered: 5, queued: 0 });
  });
});
