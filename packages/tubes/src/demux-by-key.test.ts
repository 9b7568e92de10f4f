import { firstValueFrom, from, Subject, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { BufferOverflowError } from './demand.js';
import { type Branch, demuxByKey } from './demux-by-key.js';
import { interleave } from './interleave.js';

describe('demuxByKey', () => {
  it('routes items by key to branches that each flow only with their own demand', () => {
    const s = new Subject<{ k: string; v: number }>();
    const branches: Branch<string, { k: string; v: number }>[] = [];
    const got: Record<string, number[]> = { a: [], b: [] };
    s.pipe(demuxByKey((x) => x.k, { maxBufferedPerBranch: 10 })).subscribe((b) => {
      branches.push(b);
      b.items.subscribe((x) => got[b.key]!.push(x.v));
    });
    s.next({ k: 'a', v: 1 });
    s.next({ k: 'b', v: 2 });
    s.next({ k: 'a', v: 3 });
    expect(got).toEqual({ a: [], b: [] });
    branches[0]!.demand.request(Number.POSITIVE_INFINITY);
    expect(got).toEqual({ a: [1, 3], b: [] });
    branches[1]!.demand.request(1);
    expect(got).toEqual({ a: [1, 3], b: [2] });
  });

  it('a stalled branch fails alone at its bound; the others keep flowing', () => {
    const s = new Subject<{ k: string }>();
    const errors: Record<string, unknown> = {};
    let fastCount = 0;
    s.pipe(demuxByKey((x) => x.k, { maxBufferedPerBranch: 3 })).subscribe((b) => {
      b.items.subscribe({
        next: () => fastCount++,
        error: (e) => {
          errors[b.key] = e;
        },
      });
      if (b.key === 'fast') b.demand.request(Number.POSITIVE_INFINITY);
    });
    for (let i = 0; i < 10; i++) {
      s.next({ k: 'slow' });
      s.next({ k: 'fast' });
    }
    expect(errors.slow).toBeInstanceOf(BufferOverflowError);
    expect(errors.fast).toBeUndefined();
    expect(fastCount).toBe(10);
  });
});

describe('interleave', () => {
  it('takes one item from each source in turn', async () => {
    const got = await firstValueFrom(
      interleave([from(['a1', 'a2', 'a3']), from(['b1', 'b2'])], { maxBufferedPerSource: 10 }).pipe(
        toArray(),
      ),
    );
    expect(got).toEqual(['a1', 'b1', 'a2', 'b2', 'a3']);
  });

  it('fails instead of queueing without bound when a source runs too far ahead', async () => {
    await expect(
      firstValueFrom(interleave([from([1, 2, 3])], { maxBufferedPerSource: 2 }).pipe(toArray())),
    ).rejects.toBeInstanceOf(BufferOverflowError);
  });
});
