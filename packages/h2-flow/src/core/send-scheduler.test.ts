import { describe, expect, it } from 'vitest';
import { type Schedulable, SendScheduler } from './send-scheduler.js';

const mk = (id: number, urgency = 3): Schedulable => ({
  id,
  urgency,
  incremental: false,
  schedPrev: null,
  schedNext: null,
  scheduled: false,
});

describe('SendScheduler (RFC 9218 §10)', () => {
  it('serves the lowest urgency first, FIFO within one', () => {
    const s = new SendScheduler();
    const a = mk(1),
      b = mk(3),
      c = mk(5, 0);
    s.add(a);
    s.add(b);
    s.add(c);
    s.add(c);
    expect(s.next()?.id).toBe(5);
    s.remove(c);
    expect(s.next()?.id).toBe(1);
    s.rotate(a);
    expect(s.next()?.id).toBe(3);
    s.remove(b);
    s.remove(b);
    expect(s.next()?.id).toBe(1);
    s.rotate(a);
    expect(s.next()?.id).toBe(1);
  });

  it('removes from the middle and the tail, and reprioritizes in place', () => {
    const s = new SendScheduler();
    const a = mk(1),
      b = mk(3),
      c = mk(5);
    s.add(a);
    s.add(b);
    s.add(c);
    s.remove(b);
    s.remove(c);
    s.reprioritize(a, 7, true);
    expect(s.next()).toBe(a);
    expect(a.urgency).toBe(7);
    s.reprioritize(b, 0, false);
    expect(b.scheduled).toBe(false);
    s.clear();
    expect(s.next()).toBeNull();
    expect(a.scheduled).toBe(false);
  });
});
