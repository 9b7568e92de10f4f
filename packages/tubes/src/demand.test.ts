import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Demand } from './demand.js';

describe('Demand', () => {
  it('a producer that takes before emitting never emits beyond the credit granted', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant('item' as const), fc.integer({ min: 1, max: 3 })), { maxLength: 60 }),
        (script) => {
          const demand = new Demand();
          let granted = 0;
          let waiting = 0;
          let emitted = 0;
          const drain = (): void => {
            while (waiting > 0 && demand.take()) {
              waiting--;
              emitted++;
            }
          };
          demand.onRequest(drain);
          for (const step of script) {
            if (step === 'item') {
              waiting++;
              drain();
            } else {
              granted += step;
              demand.request(step);
            }
            expect(emitted).toBeLessThanOrEqual(granted);
          }
          expect(emitted).toBe(Math.min(granted, emitted + waiting));
          expect(demand.outstanding).toBe(granted - emitted);
        },
      ),
    );
  });

  it('take(n) uses credit only when there is that much; request ignores non-positive grants', () => {
    const demand = new Demand(2);
    expect(demand.take(3)).toBe(false);
    expect(demand.take(2)).toBe(true);
    demand.request(0);
    demand.request(-1);
    demand.request(Number.NaN);
    expect(demand.outstanding).toBe(0);
    demand.request(Number.POSITIVE_INFINITY);
    expect(demand.take(1_000_000)).toBe(true);
  });

  it('listeners hear each grant and can unsubscribe, also while being called', () => {
    const demand = new Demand();
    const heard: string[] = [];
    const offA = demand.onRequest(() => {
      heard.push('a');
      offA();
    });
    demand.onRequest(() => heard.push('b'));
    demand.request(1);
    demand.request(1);
    expect(heard).toEqual(['a', 'b', 'b']);
  });
});
