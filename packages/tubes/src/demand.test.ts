import fc from 'fast-check';
import { from, map, Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { BufferOverflowError, Demand, withDemand } from './demand.js';
import { Pauser } from './pauser.js';
import { series } from './series.js';

describe('Demand and withDemand', () => {
  it('never emits beyond the credit granted, whatever the order of items and grants', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant('item' as const), fc.integer({ min: 1, max: 3 })), { maxLength: 60 }),
        (script) => {
          const demand = new Demand();
          const source = new Subject<number>();
          let granted = 0;
          let received = 0;
          source.pipe(withDemand(demand, { highWaterMark: 1000 })).subscribe(() => {
            received++;
            expect(received).toBeLessThanOrEqual(granted);
          });
          let n = 0;
          for (const step of script) {
            if (step === 'item') source.next(n++);
            else {
              granted += step;
              demand.request(step);
            }
          }
          expect(received).toBe(Math.min(granted, n));
        },
      ),
    );
  });

  it('is safe when credit is granted synchronously inside next (no recursion, order kept)', () => {
    const demand = new Demand(1);
    const got: number[] = [];
    from([1, 2, 3, 4])
      .pipe(withDemand(demand, { highWaterMark: 10 }))
      .subscribe((x) => {
        got.push(x);
        demand.request(1);
      });
    expect(got).toEqual([1, 2, 3, 4]);
  });

  it('counts credit in bytes with sizeOf', () => {
    const demand = new Demand(5);
    const got: string[] = [];
    const s = new Subject<string>();
    s.pipe(withDemand(demand, { highWaterMark: 100, sizeOf: (x) => x.length })).subscribe((x) => got.push(x));
    s.next('abc');
    s.next('def');
    expect(got).toEqual(['abc']);
    demand.request(1);
    expect(got).toEqual(['abc', 'def']);
  });

  it('pauses upstream while its buffer is over the high-water mark and resumes when credit drains it', () => {
    let pauses = 0;
    const pauser = new Pauser(
      () => pauses++,
      () => {},
    );
    const demand = new Demand();
    const s = new Subject<number>();
    s.pipe(withDemand(demand, { highWaterMark: 2, pause: () => pauser.pause('full') })).subscribe();
    for (let i = 0; i < 3; i++) s.next(i);
    expect(pauser.paused).toBe(true);
    expect(pauses).toBe(1);
    demand.request(3);
    expect(pauser.paused).toBe(false);
  });

  it('fails with BufferOverflowError instead of buffering without bound when upstream cannot be paused', () => {
    const s = new Subject<number>();
    let error: unknown;
    s.pipe(withDemand(new Demand(), { highWaterMark: 2 })).subscribe({ error: (e) => (error = e) });
    for (let i = 0; i < 3; i++) s.next(i);
    expect(error).toBeInstanceOf(BufferOverflowError);
    expect(s.observed).toBe(false);
  });

  it('series composes tubes left to right', () => {
    const got: number[] = [];
    from([1, 2])
      .pipe(
        series(
          map((x: number) => x + 1),
          map((x: number) => x * 10),
        ),
      )
      .subscribe((x) => got.push(x));
    expect(got).toEqual([20, 30]);
  });
});
