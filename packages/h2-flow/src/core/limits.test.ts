import { describe, expect, it } from 'vitest';
import { Budget } from './limits.js';

describe('Budget', () => {
  it('take() is true up to max uses and false past it', () => {
    const b = new Budget(2);
    expect([b.take(), b.take(), b.take()]).toEqual([true, true, false]);
    expect(b.used).toBe(3);
  });

  it('reset() gives every use back: the full max can be taken again', () => {
    const b = new Budget(2);
    b.take();
    b.take();
    b.take();
    b.reset();
    expect(b.used).toBe(0);
    expect([b.take(), b.take(), b.take()]).toEqual([true, true, false]);
  });
});
