import { describe, expect, it } from 'vitest';
import { ReceiveCredit } from './receive-credit.js';

describe('ReceiveCredit', () => {
  it('follows the worked numbers: coalesced at half the window', () => {
    const c = new ReceiveCredit(65_535, 65_535, 65_535, 0);
    expect(c.receive(40_000)).toBe(true);
    expect(c.consume(30_000, 0, 100)).toBe(0);
    expect(c.consume(10_000, 0, 100)).toBe(40_000);
    expect(c.available).toBe(65_535);
    expect(c.receive(65_536)).toBe(false);
  });

  it('doubles up to max when a window is consumed within one RTT', () => {
    const c = new ReceiveCredit(100, 100, 150, 0);
    c.receive(100);
    expect(c.consume(100, 5, 10)).toBe(150);
    expect(c.target).toBe(150);
  });

  it('moves by a settings delta', () => {
    const c = new ReceiveCredit(100, 100, 100, 0);
    c.applyDelta(-150);
    expect(c.available).toBe(-50);
  });
});
