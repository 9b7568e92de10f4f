import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { type FetchFunction, observeFetch } from './fetch-observable.js';

/** A fetch that answers when told to and records the signal it was given. */
function fakeFetch(): { fetch: FetchFunction; signals: AbortSignal[]; answer(r: Response): void } {
  const signals: AbortSignal[] = [];
  let answer: (r: Response) => void = () => {};
  const fetch: FetchFunction = (_input, init) =>
    new Promise((resolve, reject) => {
      const signal = init?.signal as AbortSignal;
      signals.push(signal);
      signal.addEventListener('abort', () => reject(signal.reason));
      answer = resolve;
    });
  return { fetch, signals, answer: (r) => answer(r) };
}

describe('observeFetch', () => {
  it('sends on subscribe, once per subscription, and emits the Response', async () => {
    const f = fakeFetch();
    const response$ = observeFetch(f.fetch, '/x');
    expect(f.signals).toHaveLength(0); // cold
    const first = firstValueFrom(response$);
    f.answer(new Response('ok'));
    expect(await (await first).text()).toBe('ok');
    expect(f.signals).toHaveLength(1);
  });

  it('aborts a request still waiting when unsubscribed, not one already answered', async () => {
    const f = fakeFetch();
    observeFetch(f.fetch, '/x')
      .subscribe({ error: () => {} })
      .unsubscribe();
    expect(f.signals[0]?.aborted).toBe(true);
    expect(f.signals[0]?.reason).toMatchObject({ name: 'AbortError' });

    const g = fakeFetch();
    const sub = observeFetch(g.fetch, '/y').subscribe();
    g.answer(new Response('body'));
    await new Promise((r) => setTimeout(r, 0));
    sub.unsubscribe();
    expect(g.signals[0]?.aborted).toBe(false);
  });

  it("follows the caller's own signal too", async () => {
    const f = fakeFetch();
    const controller = new AbortController();
    const response = firstValueFrom(observeFetch(f.fetch, '/x', { signal: controller.signal }));
    controller.abort(new Error('caller gave up'));
    await expect(response).rejects.toThrow('caller gave up');
  });
});
