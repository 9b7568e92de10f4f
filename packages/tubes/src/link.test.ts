import { Observable, Subject, type Subscriber, Subscription } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Link, linkOperator } from './link.js';

class Doubler extends Link<number, number> {
  protected override _next(n: number): void {
    this.out.next(2 * n);
  }
}
const double = linkOperator((out: Subscriber<number>) => new Doubler(out));

describe('Link and linkOperator', () => {
  it('passes values, errors and completion down a chain of links', () => {
    const source = new Subject<number>();
    const seen: unknown[] = [];
    source.pipe(double, double).subscribe({
      next: (v) => seen.push(v),
      complete: () => seen.push('complete'),
    });
    source.next(1);
    source.next(3);
    source.complete();
    expect(seen).toEqual([4, 12, 'complete']);
    const failing = new Subject<number>();
    failing.pipe(double, double).subscribe({ error: (e) => seen.push(e) });
    failing.error('upstream');
    expect(seen.at(-1)).toBe('upstream');
    expect(failing.observed).toBe(false);
  });

  it('unsubscribing the end of a chain unsubscribes every link and the source, once', () => {
    let teardowns = 0;
    const source = new Observable<number>((s) => {
      s.next(1);
      return () => teardowns++;
    });
    const seen: number[] = [];
    const sub = source.pipe(double, double, double).subscribe((v) => seen.push(v));
    expect(seen).toEqual([8]);
    sub.unsubscribe();
    sub.unsubscribe();
    expect(teardowns).toBe(1);
  });

  it('runs every finalizer added to a link when it ends, the first and the others, and not one removed', () => {
    const ran: string[] = [];
    const link = new Doubler(new Subject<number>());
    const first = new Subscription(() => ran.push('first'));
    link.add(() => ran.push('function'));
    link.add(first);
    link.add(() => ran.push('third'));
    link.remove(first);
    link.unsubscribe();
    expect(ran.sort()).toEqual(['function', 'third']);
    const kept = new Doubler(new Subject<number>());
    kept.add(first);
    kept.unsubscribe();
    expect(ran).toContain('first');
    // Added once closed: run at once, as Subscription does.
    kept.add(() => ran.push('late'));
    expect(ran).toContain('late');
    // The first finalizer, the one kept in a field, can be removed too.
    const fieldHeld = new Subscription(() => ran.push('field-held'));
    const again = new Doubler(new Subject<number>());
    again.add(fieldHeld);
    again.remove(fieldHeld);
    again.unsubscribe();
    expect(ran).not.toContain('field-held');
  });

  it('does not subscribe the source when make answers the subscriber itself', () => {
    const source = new Subject<number>();
    let error: unknown;
    source
      .pipe(
        linkOperator((out: Subscriber<number>) => {
          out.error(new Error('once only'));
          return undefined;
        }),
      )
      .subscribe({ error: (e) => (error = e) });
    expect((error as Error).message).toBe('once only');
    expect(source.observed).toBe(false);
  });
});
