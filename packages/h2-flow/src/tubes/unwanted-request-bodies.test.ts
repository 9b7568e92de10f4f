import { describe, expect, it } from 'vitest';
import type { Connection } from '../core/connection.js';
import { UnwantedRequestBodies } from './unwanted-request-bodies.js';

/** The three Connection calls the class makes, recorded. */
function fakeConnection(window: number) {
  const calls: string[] = [];
  const conn = {
    receiveWindow: () => window,
    consume: (id: number, n: number) => calls.push(`consume ${id} ${n}`),
    resetStream: (id: number, code: string) => {
      calls.push(`reset ${id} ${code}`);
      return true;
    },
  } as unknown as Connection;
  return { conn, calls };
}

const turn = () => new Promise((r) => setTimeout(r, 0));

describe('UnwantedRequestBodies', () => {
  it('credits every discarded octet and resets once the client sends past the window it had', async () => {
    const { conn, calls } = fakeConnection(1000);
    let flushes = 0;
    const bodies = new UnwantedRequestBodies(conn, () => flushes++);
    bodies.stop(1);
    bodies.discard(1, 600, 600, false);
    bodies.discard(1, 400, 400, false); // exactly the window: still possible without new credit
    await turn();
    expect(calls).toEqual(['consume 1 600', 'consume 1 400']);
    bodies.discard(1, 1, 1, false);
    expect(calls.at(-1)).toBe('consume 1 1'); // the reset waits for the next microtask
    await turn();
    expect(calls.at(-1)).toBe('reset 1 NO_ERROR');
    expect(flushes).toBe(1);
  });

  it('counts padding (the flow-controlled length), not only the data', async () => {
    const { conn, calls } = fakeConnection(1000);
    const bodies = new UnwantedRequestBodies(conn, () => {});
    bodies.stop(3);
    bodies.discard(3, 500, 1001, false); // 500 octets of data with 501 of padding
    await turn();
    expect(calls).toEqual(['consume 3 500', 'reset 3 NO_ERROR']);
  });

  it('does not reset a body the client ends, a stream forgotten, or one never stopped', async () => {
    const { conn, calls } = fakeConnection(10);
    const bodies = new UnwantedRequestBodies(conn, () => {});
    bodies.stop(1);
    bodies.discard(1, 5, 5, true);
    bodies.discard(1, 50, 50, false); // after its end: just credit
    bodies.stop(3);
    bodies.forget(3);
    bodies.discard(3, 50, 50, false);
    bodies.discard(5, 50, 50, false);
    await turn();
    expect(calls.filter((c) => c.startsWith('reset'))).toEqual([]);
  });
});
