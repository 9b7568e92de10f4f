import { from, of, Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { tube } from './tube.js';

describe('tube', () => {
  it('emits 0..n outputs per input, in order', () => {
    const out: number[] = [];
    of(1, 2, 3)
      .pipe(
        tube<number, number>((n, emit) => {
          for (let i = 0; i < n - 1; i++) emit(n);
        }),
      )
      .subscribe((v) => out.push(v));
    expect(out).toEqual([2, 3, 3]);
  });

  it('turns a throw in the step into the error of the Observable and stops the source', () => {
    const source = new Subject<number>();
    let error: unknown;
    source
      .pipe(
        tube<number, number>(() => {
          throw new Error('bad input');
        }),
      )
      .subscribe({
        error: (e) => {
          error = e;
        },
      });
    source.next(1);
    expect((error as Error).message).toBe('bad input');
    expect(source.observed).toBe(false);
  });

  it('runs flush at completion, and a throw there is an error', () => {
    const out: string[] = [];
    let error: unknown;
    from(['a'])
      .pipe(
        tube<string, string>(
          (v, emit) => emit(v),
          (emit) => emit('end'),
        ),
      )
      .subscribe((v) => out.push(v));
    from(['a'])
      .pipe(
        tube<string, string>(
          () => {},
          () => {
            throw new Error('truncated');
          },
        ),
      )
      .subscribe({
        error: (e) => {
          error = e;
        },
      });
    expect(out).toEqual(['a', 'end']);
    expect((error as Error).message).toBe('truncated');
  });

  it('unsubscribing from the result unsubscribes from the source', () => {
    const source = new Subject<number>();
    const sub = source.pipe(tube<number, number>((v, emit) => emit(v))).subscribe();
    expect(source.observed).toBe(true);
    sub.unsubscribe();
    expect(source.observed).toBe(false);
  });
});

describe('tube: upstream errors', () => {
  it("passes the source's error on", () => {
    const source = new Subject<number>();
    let error: unknown;
    source.pipe(tube<number, number>((v, emit) => emit(v))).subscribe({ error: (e) => (error = e) });
    source.error('upstream');
    expect(error).toBe('upstream');
  });
});
