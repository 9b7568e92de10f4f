import { H2UsageError } from '@h2tubes/h2-frames';
import { pullFrom, toReadableStream } from '@h2tubes/tubes';
import { take } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { StreamBody } from './received-body.js';

const bytes = (s: string) => new TextEncoder().encode(s);

/** A body on stream 1 whose returned credit is recorded. */
function body() {
  const acked: number[] = [];
  const b = new StreamBody(1, { consume: (_id, n) => acked.push(n) });
  return { b, acked };
}

describe('StreamBody', () => {
  it('holds chunks that arrive before subscription without acknowledging them, then delivers and acks them', () => {
    const { b, acked } = body();
    b.push(bytes('ab'));
    b.push(bytes('c'));
    b.end();
    expect(acked).toEqual([]);
    const got: string[] = [];
    let completed = false;
    b.chunks.subscribe({
      next: (c) => got.push(new TextDecoder().decode(c)),
      complete: () => (completed = true),
    });
    expect(got).toEqual(['ab', 'c']);
    expect(acked).toEqual([2, 1]);
    expect(completed).toBe(true);
  });

  it('can be pulled once: a second subscriber gets a usage error', () => {
    const { b } = body();
    b.chunks.subscribe();
    let err: unknown;
    b.chunks.subscribe({ error: (e) => (err = e) });
    expect(err).toBeInstanceOf(H2UsageError);
  });

  it('pull(): each request delivers one chunk, credited once the sink has taken it; a request with nothing held waits for DATA', () => {
    const { b, acked } = body();
    b.push(bytes('ab'));
    const got: string[] = [];
    let completed = false;
    const p = b.pull({
      next: (c) => got.push(new TextDecoder().decode(c)),
      complete: () => (completed = true),
      error: () => {},
    });
    expect(b.reading).toBe(false); // made, never asked: not reading yet
    p.request();
    expect(got).toEqual(['ab']);
    expect(acked).toEqual([2]);
    p.request(); // nothing held: answered when DATA comes
    expect(b.reading).toBe(true);
    b.push(bytes('cde'));
    expect(got).toEqual(['ab', 'cde']);
    b.push(bytes('f')); // not asked for: held, not credited
    expect(acked).toEqual([2, 3]);
    b.end();
    p.request();
    p.request();
    expect(completed).toBe(true);
    expect(acked).toEqual([2, 3, 1]);
  });

  it('pullConsuming(): credit waits for consumed(n), never more than was delivered; cancelling credits what is still owed', () => {
    const { b, acked } = body();
    const p = b.pullConsuming({ next: () => {}, complete: () => {}, error: () => {} });
    p.request();
    b.push(bytes('abcd'));
    expect(acked).toEqual([]);
    p.consumed(3);
    p.consumed(0);
    expect(acked).toEqual([3]);
    p.request();
    b.push(bytes('xyz'));
    p.cancel();
    expect(acked).toEqual([3, 4]); // 1 owed from 'abcd' + 3 of 'xyz'
    p.consumed(4); // already credited: nothing twice
    b.push(bytes('12345'));
    expect(acked).toEqual([3, 4, 5]);
  });

  it('toReadableStream and pullFrom work on it directly; a second pull gets a usage error', async () => {
    const { b, acked } = body();
    b.push(bytes('he'));
    b.push(bytes('llo'));
    b.end();
    expect(await new Response(toReadableStream(b)).text()).toBe('hello');
    expect(acked).toEqual([2, 3]);
    let err: unknown;
    pullFrom(b, { next: () => {}, complete: () => {}, error: (e) => (err = e) });
    expect(err).toBeInstanceOf(H2UsageError);
  });

  it('unsubscribing early acknowledges what is held and everything still to come (the connection window is not starved)', () => {
    const { b, acked } = body();
    const sub = b.chunks.subscribe();
    b.push(bytes('xyz'));
    sub.unsubscribe();
    b.push(bytes('12345'));
    expect(acked).toEqual([3, 5]);
    expect(b.reading).toBe(false);
  });

  it('thousands of held chunks reach a subscriber without deepening the stack', () => {
    const { b, acked } = body();
    for (let i = 0; i < 20_000; i++) b.push(bytes('x'));
    b.end();
    let n = 0;
    let completed = false;
    b.chunks.subscribe({ next: () => n++, complete: () => (completed = true) });
    expect(n).toBe(20_000);
    expect(completed).toBe(true);
    expect(acked.length).toBe(20_000);
  });

  it('a subscriber that stops within the held chunks gets no more, and the rest is acknowledged', () => {
    const { b, acked } = body();
    b.push(bytes('a'));
    b.push(bytes('bb'));
    b.push(bytes('ccc'));
    b.end();
    const got: number[] = [];
    b.chunks.pipe(take(1)).subscribe((c) => got.push(c.length));
    expect(got).toEqual([1]);
    expect(acked).toEqual([1, 5]);
  });

  it('a failure before subscription returns the held credit and errors the late subscriber; end/fail are final', () => {
    const { b, acked } = body();
    b.push(bytes('lost'));
    b.fail(new Error('reset'));
    b.end();
    b.fail(new Error('again'));
    expect(acked).toEqual([4]);
    const got: Uint8Array[] = [];
    let err: unknown;
    b.chunks.subscribe({ next: (c) => got.push(c), error: (e) => (err = e) });
    expect(got).toEqual([]);
    expect((err as Error).message).toBe('reset');
  });

  it('a failure while subscribed errors the subscriber; DATA still arriving is acknowledged unread', () => {
    const { b, acked } = body();
    let err: unknown;
    b.chunks.subscribe({ error: (e) => (err = e) });
    b.fail(new Error('gone'));
    b.push(bytes('late'));
    expect((err as Error).message).toBe('gone');
    expect(acked).toEqual([4]);
  });
});
