import { describe, expect, it } from 'vitest';
import type { Connection } from '../core/connection.js';
import { OutboundBodies, type OutboundBodiesHost } from './outbound-bodies.js';

/** A host whose core takes every chunk through `sendData`, which may be made to throw. */
function host(sendData: (id: number, chunk: Uint8Array, end: boolean) => boolean) {
  const failures: unknown[] = [];
  const resets: [number, string][] = [];
  const conn = {
    sendData,
    wantsData: () => true,
    resetStream: (id: number, code: string) => {
      resets.push([id, code]);
      return true;
    },
  } as unknown as Connection;
  const h: OutboundBodiesHost = {
    conn,
    observablePolicy: undefined,
    schedule() {},
    scheduleSoon() {},
    room: () => 1 << 20,
    bodyFailed: (_id, e) => failures.push(e),
  };
  return { h, failures, resets };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('OutboundBodies', () => {
  it('a throw while handing a chunk to the core resets that stream and stops its source, never an unhandled rejection', async () => {
    const bug = new Error('core refused the chunk');
    const { h, failures, resets } = host(() => {
      throw bug;
    });
    let finallyRan = false;
    async function* body() {
      try {
        for (;;) yield new Uint8Array(8);
      } finally {
        finallyRan = true;
      }
    }
    new OutboundBodies(h).send(1, body(), undefined);
    await tick();
    expect(failures).toEqual([bug]);
    expect(resets).toEqual([[1, 'INTERNAL_ERROR']]);
    expect(finallyRan).toBe(true); // the generator was returned: nothing pulls it any more
  });

  it("a throw while ending the body (the core's END_STREAM) resets the stream too", async () => {
    const { h, failures, resets } = host((_id, chunk) => {
      if (chunk.length === 0) throw new Error('no end');
      return true;
    });
    async function* body() {
      yield new Uint8Array(8);
    }
    new OutboundBodies(h).send(3, body(), undefined);
    await tick();
    expect(failures.map((e) => (e as Error).message)).toEqual(['no end']);
    expect(resets).toEqual([[3, 'INTERNAL_ERROR']]);
  });
});
