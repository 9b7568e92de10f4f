import { map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Relay } from './relay.js';

describe('Relay', () => {
  it('pushes to its current subscribers, one or several, until they leave', () => {
    const relay = new Relay<number>();
    const a: number[] = [];
    const b: number[] = [];
    relay.next(0); // nobody yet: dropped, as a Subject drops it
    const subA = relay.subscribe((v) => a.push(v));
    relay.next(1);
    const subB = relay.pipe(map((v) => v * 10)).subscribe((v) => b.push(v));
    relay.next(2);
    subA.unsubscribe();
    relay.next(3);
    expect(relay.observed).toBe(true);
    subB.unsubscribe();
    relay.next(4);
    expect(a).toEqual([1, 2]);
    expect(b).toEqual([20, 30]);
    expect(relay.observed).toBe(false);
  });

  it('ends every subscriber with its completion or error, and a later subscriber at once', () => {
    const done = new Relay<string>();
    const seen: unknown[] = [];
    done.subscribe({ next: (v) => seen.push(v), complete: () => seen.push('complete 1') });
    done.subscribe({ complete: () => seen.push('complete 2') });
    done.next('x');
    done.complete();
    done.next('after');
    done.error(new Error('ignored after the end'));
    done.subscribe({ complete: () => seen.push('late complete') });
    expect(seen).toEqual(['x', 'complete 1', 'complete 2', 'late complete']);

    const failed = new Relay<string>();
    failed.subscribe({ error: (e) => seen.push(`error ${(e as Error).message}`) });
    failed.error(new Error('boom'));
    failed.subscribe({ error: (e) => seen.push(`late error ${(e as Error).message}`) });
    expect(seen.slice(-2)).toEqual(['error boom', 'late error boom']);
  });

  it('a subscriber that leaves while values are pushed does not disturb the others', () => {
    const relay = new Relay<number>();
    const seen: string[] = [];
    const first = relay.subscribe((v) => {
      seen.push(`first ${v}`);
      first.unsubscribe();
    });
    relay.subscribe((v) => seen.push(`second ${v}`));
    relay.subscribe((v) => seen.push(`third ${v}`));
    relay.next(1);
    relay.next(2);
    expect(seen).toEqual(['first 1', 'second 1', 'third 1', 'second 2', 'third 2']);
  });
});
