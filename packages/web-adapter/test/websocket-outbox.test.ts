import { describe, expect, it } from 'vitest';
import { Outbox } from '../src/websocket/outbox.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b));

describe('Outbox.takeJoined: small frames queued together leave as one chunk', () => {
  it('joins the frames that fit in max, in order, and leaves the rest queued', () => {
    const outbox = new Outbox();
    for (const f of ['ab', 'cd', 'ef', 'ghijk']) outbox.push(bytes(f));
    let taken = 0;
    outbox.onTaken(() => taken++);
    expect(text(outbox.takeJoined(7))).toBe('abcdef'); // 'ghijk' would make 11
    expect(outbox.size).toBe(5);
    expect(taken).toBe(1);
    expect(text(outbox.takeJoined(7))).toBe('ghijk');
    expect(outbox.takeJoined(7)).toBeUndefined();
    expect(outbox.size).toBe(0);
  });

  it('splits a head longer than max as take does, and hands a lone frame over as it is', () => {
    const outbox = new Outbox();
    outbox.push(bytes('0123456789'));
    outbox.push(bytes('x'));
    expect(text(outbox.takeJoined(4))).toBe('0123');
    expect(text(outbox.takeJoined(4))).toBe('4567');
    expect(text(outbox.takeJoined(4))).toBe('89x');
    const lone = bytes('alone');
    outbox.push(lone);
    expect(outbox.takeJoined(16)).toBe(lone); // not copied
  });
});
