/**
 * The fetch client's Response body as rxjs and `for await` input, with no cast: H2Response types
 * the body so that `from(res.body!)` is an Observable<Uint8Array> under TypeScript's DOM lib
 * (a plain Response body is not an ObservableInput there). `tsc -p tsconfig.test.json` checks
 * this file, `expectTypeOf` included; the tests check that the types tell the truth at run time.
 */
import { firstValueFrom, from, type Observable, reduce, switchMap } from 'rxjs';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { connect, type H2Response, observeFetch, serve } from '../src/index.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function client() {
  // Three chunks, so the body arrives as several DATA frames' worth of reads.
  const server = await serve(
    () =>
      new Response(
        new ReadableStream({
          start(c) {
            for (const part of ['one ', 'two ', 'three']) c.enqueue(new TextEncoder().encode(part));
            c.close();
          },
        }),
      ),
    { hostname: '127.0.0.1', port: 0 },
  );
  cleanups.push(() => server.close());
  const c = await connect(server.url);
  cleanups.push(() => c.close());
  return c;
}

describe('fetch client Response body', () => {
  it('from(res.body!) is an Observable<Uint8Array> of the body', async () => {
    const res = await (await client()).fetch('/');
    const body$ = from(res.body!);
    expectTypeOf(body$).toEqualTypeOf<Observable<Uint8Array>>();
    const text = await firstValueFrom(
      body$.pipe(reduce((s, chunk) => s + Buffer.from(chunk).toString(), '')),
    );
    expect(text).toBe('one two three');
  });

  it('the Rx form, client.request(), emits H2Responses: its body goes to from() without a cast', async () => {
    const c = await client();
    const response$ = c.request('/');
    expectTypeOf(response$).toEqualTypeOf<Observable<H2Response>>();
    const body$ = response$.pipe(switchMap((res) => from(res.body!)));
    expectTypeOf(body$).toEqualTypeOf<Observable<Uint8Array>>();
    const text = await firstValueFrom(
      body$.pipe(reduce((s, chunk) => s + Buffer.from(chunk).toString(), '')),
    );
    expect(text).toBe('one two three');
    // observeFetch keeps the Response type of the fetch it is given.
    expectTypeOf(observeFetch(c.fetch, '/')).toEqualTypeOf<Observable<H2Response>>();
    expectTypeOf(observeFetch(fetch, '/')).toEqualTypeOf<Observable<Response>>();
  });

  it('for await over res.body! reads the body', async () => {
    const res = await (await client()).fetch('/');
    let text = '';
    for await (const chunk of res.body!) text += Buffer.from(chunk).toString();
    expect(text).toBe('one two three');
  });

  it('a HEAD response has a null body, as Fetch says', async () => {
    const res = await (await client()).fetch('/', { method: 'HEAD' });
    expect(res.body).toBeNull();
  });
});
