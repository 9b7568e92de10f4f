import { H2UsageError } from '@h2tubes/h2-frames';
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

  it('can be subscribed once', () => {
    const { b } = body();
    b.chunks.subscribe();
    let err: unknown;
    b.chunks.subscribe({ error: (e) => (err = e) });
    expect(err).toBeInstanceOf(H2UsageError);
  });

  it('manual mode leaves acknowledgement to ack(n); manualAck() after subscribing is a usage error', () => {
    const { b, acked } = body();
    b.manualAck();
    b.chunks.subscribe();
    b.push(bytes('abcd'));
    expect(acked).toEqual([]);
    b.ack(4);
    b.ack(0);
    expect(acked).toEqual([4]);
    expect(() => b.manualAck()).toThrow(H2UsageError);
  });

  it('unsubscribing early acknowledges what is held and everything still to come (the connection window is not starved)', () => {
    const { b, acked } = body();
    b.manualAck();
    const sub = b.chunks.subscribe();
    b.push(bytes('xyz')); // delivered, not acked (manual)
    sub.unsubscribe();
    b.push(bytes('12345'));
    expect(acked).toEqual([5]);
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
