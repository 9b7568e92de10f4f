import fc from 'fast-check';
import { Observable, Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { BufferOverflowError } from '../demand.js';
import { pullFrom } from './pull-from.js';
import { bounded, demandDriven } from './pull-sources.js';
import type { Puller } from './puller.js';

/** A script: emit one item, or request one (skipped while a request is outstanding). */
const script = fc.array(fc.constantFrom('emit', 'emit', 'request'), { maxLength: 120 });

/** Drives a consumer that requests only after its previous request was answered. */
function consumer<T>() {
  const state = {
    outstanding: false,
    values: [] as T[],
    errors: [] as unknown[],
    completed: false,
    lasts: 0,
  };
  const sink = {
    next(v: T, last: boolean) {
      expect(state.outstanding).toBe(true); // one answer per request
      state.outstanding = false;
      state.values.push(v);
      if (last) state.lasts++;
    },
    complete() {
      state.outstanding = false;
      state.completed = true;
    },
    error(e: unknown) {
      state.outstanding = false;
      state.errors.push(e);
    },
  };
  const request = (p: Puller) => {
    if (state.outstanding || state.completed || state.errors.length > 0) return;
    state.outstanding = true;
    p.request();
  };
  return { state, sink, request };
}

describe('pull properties', () => {
  it("(a) 'error' never holds more than highWaterMark units, fails exactly when it would, never reorders", () => {
    fc.assert(
      fc.property(
        script,
        fc.integer({ min: 0, max: 8 }),
        fc.integer({ min: 1, max: 3 }),
        (steps, hwm, unit) => {
          const subject = new Subject<number>();
          const feed = bounded(subject, { overflow: 'error', highWaterMark: hwm, sizeOf: () => unit });
          const c = consumer<number>();
          const p = pullFrom(feed, c.sink);
          let emitted = 0;
          let modelHeld = 0;
          let modelFailed = false;
          for (const step of steps) {
            if (step === 'emit') {
              if (!modelFailed) {
                if (c.state.outstanding) {
                  // answered at once
                } else if ((modelHeld + 1) * unit > hwm) modelFailed = true;
                else modelHeld++;
              }
              subject.next(emitted++);
            } else {
              const wasOutstanding = c.state.outstanding || modelFailed;
              c.request(p);
              if (!wasOutstanding && modelHeld > 0) modelHeld--;
            }
            expect(feed.stats.queued * unit).toBeLessThanOrEqual(hwm);
            expect(feed.stats.queued).toBe(modelFailed ? 0 : modelHeld);
            expect(c.state.errors.length).toBe(modelFailed ? 1 : 0);
          }
          if (modelFailed) expect(c.state.errors[0]).toBeInstanceOf(BufferOverflowError);
          expect(c.state.values).toEqual(c.state.values.map((_, i) => i)); // in order, none lost before failing
          expect(subject.observed).toBe(!modelFailed);
        },
      ),
    );
  });

  it("(b) 'dropOldest' never holds more than capacity; delivered + dropped == emitted once drained", () => {
    fc.assert(
      fc.property(script, fc.integer({ min: 1, max: 6 }), fc.boolean(), (steps, capacity, withNotice) => {
        const subject = new Subject<number>();
        const feed = bounded(subject, {
          overflow: 'dropOldest',
          capacity,
          ...(withNotice ? { lagged: (n: number) => -n } : {}),
        });
        const c = consumer<number>();
        const p = pullFrom(feed, c.sink);
        let emitted = 0;
        for (const step of steps) {
          if (step === 'emit') subject.next(emitted++);
          else c.request(p);
          expect(feed.stats.queued).toBeLessThanOrEqual(capacity);
          expect(feed.stats.highWater).toBeLessThanOrEqual(capacity);
        }
        subject.complete();
        for (let i = 0; i < 2 * capacity + 4 && !c.state.completed; i++) c.request(p);
        expect(c.state.completed).toBe(true);
        const items = c.state.values.filter((v) => v >= 0);
        const notices = c.state.values.filter((v) => v < 0);
        expect(feed.stats.delivered).toBe(items.length);
        expect(feed.stats.delivered + feed.stats.dropped).toBe(emitted);
        expect(feed.stats.queued).toBe(0);
        // Items come in order; each notice counts exactly the gap it stands for.
        expect([...items].sort((a, b) => a - b)).toEqual(items);
        if (withNotice) expect(notices.reduce((a, b) => a - b, 0)).toBe(feed.stats.dropped);
        let expectNext = 0;
        for (const v of c.state.values) {
          if (v < 0) expectNext -= v;
          else {
            if (withNotice) expect(v).toBe(expectNext);
            expectNext = v + 1;
          }
        }
      }),
    );
  });

  it('(c) a demand-driven source that respects credit never emits beyond what was granted, and nothing is held', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('request', 'produce', 'reenter'), { maxLength: 80 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 50 }),
        (steps, synchronous, length) => {
          let granted = 0;
          let emitted = 0;
          let produce: () => void = () => {};
          let reenter = false;
          const source = demandDriven<number>(
            (demand) =>
              new Observable<number>((s) => {
                produce = () => {
                  while (emitted < length && demand.take()) s.next(emitted++);
                  if (emitted === length) s.complete();
                };
                return demand.onRequest(() => {
                  granted++;
                  if (synchronous) produce();
                });
              }),
          );
          const c = consumer<number>();
          let p: Puller | undefined;
          const sink = {
            ...c.sink,
            next(v: number, last: boolean) {
              c.sink.next(v, last);
              if (reenter && p !== undefined) c.request(p);
            },
          };
          p = pullFrom(source, sink);
          for (const step of steps) {
            if (step === 'request') c.request(p);
            else if (step === 'produce') produce();
            else reenter = !reenter;
            expect(emitted).toBeLessThanOrEqual(granted);
            expect(granted).toBeLessThanOrEqual(c.state.values.length + 1);
            expect(c.state.values).toEqual(c.state.values.map((_, i) => i));
            expect(c.state.errors).toEqual([]);
          }
          expect(emitted).toBe(c.state.values.length);
        },
      ),
    );
  });
});
