import { H2UsageError } from '@h2tubes/h2-frames';
import type { PullSink } from '@h2tubes/tubes';
import { from, Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { pullBody } from './body-puller.js';

function recorder() {
  const log: string[] = [];
  const sink: PullSink<Uint8Array> = {
    next: (c, last) => log.push(`chunk:${new TextDecoder().decode(c)}${last ? '(last)' : ''}`),
    complete: () => log.push('end'),
    error: (e) => log.push(`error:${(e as Error).message}`),
  };
  return { log, sink };
}
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('pullBody', () => {
  it('answers a string body synchronously: one chunk, then end', () => {
    const { log, sink } = recorder();
    const p = pullBody('hi', sink);
    p.request();
    p.request();
    expect(log).toEqual(['chunk:hi(last)', 'end']);
  });

  it('ends an empty byte body at the first request', () => {
    const { log, sink } = recorder();
    pullBody(new Uint8Array(0), sink).request();
    expect(log).toEqual(['end']);
  });

  it('reads a ReadableStream only once per request', async () => {
    let pulls = 0;
    const stream = new ReadableStream<Uint8Array>(
      {
        pull(c) {
          pulls++;
          c.enqueue(new TextEncoder().encode(`p${pulls}`));
          if (pulls === 3) c.close();
        },
      },
      { highWaterMark: 0 },
    );
    const { log, sink } = recorder();
    const p = pullBody(stream, sink);
    p.request();
    await tick();
    expect(log).toEqual(['chunk:p1']);
    expect(pulls).toBe(1);
    p.request();
    await tick();
    p.request();
    await tick();
    p.request();
    await tick();
    expect(log).toEqual(['chunk:p1', 'chunk:p2', 'chunk:p3', 'end']);
  });

  it('advances an AsyncIterable one step per request and returns it on cancel', async () => {
    let finalized = false;
    let produced = 0;
    async function* gen() {
      try {
        for (;;) {
          produced++;
          yield new TextEncoder().encode('x');
        }
      } finally {
        finalized = true;
      }
    }
    const { log, sink } = recorder();
    const p = pullBody(gen(), sink);
    p.request();
    await tick();
    p.request();
    await tick();
    expect(log).toEqual(['chunk:x', 'chunk:x']);
    expect(produced).toBe(2);
    p.cancel();
    await tick();
    expect(finalized).toBe(true);
  });

  it('serves an Observable from a bounded buffer and fails once it emits past the bound', () => {
    const subject = new Subject<Uint8Array>();
    const { log, sink } = recorder();
    const p = pullBody(subject, sink, { overflow: 'error', highWaterMark: 3, sizeOf: (c) => c.length });
    p.request();
    subject.next(new TextEncoder().encode('ab'));
    subject.next(new TextEncoder().encode('cd'));
    expect(log).toEqual(['chunk:ab']);
    subject.next(new TextEncoder().encode('ef')); // 2 + 2 > 3 octets held ahead of demand
    p.request();
    expect(log[1]).toMatch(/^error:an Observable emitted more than 3 ahead of demand/);
    expect(subject.observed).toBe(false);
  });

  it('delivers a completed Observable in order and then ends', () => {
    const { log, sink } = recorder();
    const p = pullBody(from([new TextEncoder().encode('a'), new TextEncoder().encode('b')]), sink);
    for (let i = 0; i < 3; i++) p.request();
    expect(log).toEqual(['chunk:a', 'chunk:b(last)', 'end']);
  });

  it('rejects a source of an unsupported kind with a usage error', () => {
    const { sink } = recorder();
    expect(() => pullBody(42 as never, sink)).toThrow(H2UsageError);
  });

  it('turns strings and ArrayBuffers from a source into bytes; any other chunk fails the body', async () => {
    const subject = new Subject<unknown>();
    const { log, sink } = recorder();
    const p = pullBody(subject as never, sink);
    for (const value of ['s', new TextEncoder().encode('b').buffer, 7]) {
      p.request();
      subject.next(value);
    }
    expect(log).toEqual(['chunk:s', 'chunk:b', 'error:body chunks must be Uint8Array (or string)']);
    expect(subject.observed).toBe(false);

    const r = recorder();
    async function* bad() {
      yield 7 as never;
    }
    pullBody(bad(), r.sink).request();
    await tick();
    expect(r.log).toEqual(['error:body chunks must be Uint8Array (or string)']);
  });

  it('reports a source that fails; a read still pending at cancel is never answered', async () => {
    const { log, sink } = recorder();
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield* [];
      throw new Error('disk gone');
    }
    pullBody(failing(), sink).request();
    await tick();
    expect(log).toEqual(['error:disk gone']);

    let release!: () => void;
    const slow = new ReadableStream<Uint8Array>({
      pull: () =>
        new Promise<void>((r) => {
          release = r;
        }),
    });
    const r = recorder();
    const p = pullBody(slow, r.sink);
    p.request();
    await tick();
    p.cancel();
    p.cancel();
    release();
    await tick();
    expect(r.log).toEqual([]);
  });

  it('an Observable body stops being read once cancelled or finished', () => {
    const subject = new Subject<Uint8Array>();
    const { log, sink } = recorder();
    const p = pullBody(subject, sink);
    p.request();
    p.cancel();
    subject.next(new Uint8Array(1));
    p.request();
    expect(log).toEqual([]);
    expect(subject.observed).toBe(false);
  });
});
