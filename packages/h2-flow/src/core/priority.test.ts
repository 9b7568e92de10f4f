import { describe, expect, it } from 'vitest';
import { parsePriority } from './priority.js';

describe('parsePriority (RFC 9218 §4)', () => {
  it('reads urgency and incremental', () => {
    expect(parsePriority('u=1, i')).toEqual({ urgency: 1, incremental: true });
    expect(parsePriority('i=?0, u=7')).toEqual({ urgency: 7, incremental: false });
    expect(parsePriority('u=2;x=1, i=?1')).toEqual({ urgency: 2, incremental: true });
  });
  it('ignores invalid values and unknown keys, keeping the base', () => {
    expect(parsePriority('u=8, i=3, foo=1')).toEqual({ urgency: 3, incremental: false });
    expect(parsePriority('u=a', { urgency: 5, incremental: true })).toEqual({
      urgency: 5,
      incremental: true,
    });
  });
});
