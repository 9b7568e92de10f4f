import { describe, expect, it } from 'vitest';
import {
  probeResponseState,
  type ResponseState,
  readResponse,
  readResponsePublicly,
  responseStateProbe,
} from './undici-response-state.js';

const symbolOf = (o: object, description: string): symbol => {
  const k = Object.getOwnPropertySymbols(o).find((s) => s.description === description);
  if (k === undefined) throw new Error(`no symbol described ${description}`);
  return k;
};
type Loose = Record<PropertyKey, unknown> & Record<symbol, Record<PropertyKey, unknown>>;
const stateOf = (r: Response): Loose => (r as unknown as Loose)[symbolOf(r, 'state')] as Loose;

/** The bytes a body would put on the wire (a string UTF-8 encoded, a stream read to its end). */
async function wireBytes(body: ResponseState['body']): Promise<number[]> {
  if (body === undefined) return [];
  if (typeof body === 'string') return [...new TextEncoder().encode(body)];
  if (body instanceof Uint8Array) return [...body];
  return [...new Uint8Array(await new Response(body).arrayBuffer())];
}

const withCookies = (): Headers => {
  const h = new Headers({ 'Content-Type': 'text/html', Connection: 'close', te: 'gzip', 'X-Z': '1' });
  h.append('Set-Cookie', 'a=1; Path=/');
  h.append('x-dup', 'one');
  h.append('set-cookie', 'b=2, with comma');
  h.append('X-Dup', 'two');
  h.append('cookie', 'c=3');
  h.append('cookie', 'd=4');
  return h;
};

/** Responses a handler may return; each made twice, once for each reading. */
const RESPONSES: [string, () => Response][] = [
  ['a string with headers', () => new Response('hello', { headers: { 'content-type': 'text/plain' } })],
  ['set-cookie multiples, repeats and dropped fields', () => new Response('c', { headers: withCookies() })],
  ['one set-cookie', () => new Response('c', { headers: { 'set-cookie': 'only=1' } })],
  ['Response.json', () => Response.json({ a: [1, 'ü'] }, { status: 201, headers: { 'x-a': 'b' } })],
  ['bytes', () => new Response(new Uint8Array([0, 1, 255]))],
  ['an ArrayBuffer', () => new Response(new Uint8Array([7, 8]).buffer)],
  ['a Blob', () => new Response(new Blob(['blob'], { type: 'text/x-blob' }))],
  ['URLSearchParams', () => new Response(new URLSearchParams({ q: 'a b' }))],
  ['a stream', () => new Response(new Blob(['from a stream']).stream())],
  ['no body', () => new Response(null, { status: 404, statusText: 'Nope' })],
  ['204', () => new Response(null, { status: 204 })],
  ['a redirect', () => Response.redirect('http://example.test/next', 307)],
  ['an empty string', () => new Response('')],
  [
    'headers changed after construction',
    () => {
      const r = new Response('x', { headers: { b: '1' } });
      r.headers.append('a', '2');
      r.headers.set('set-cookie', 'z=1');
      r.headers.append('set-cookie', 'y=2');
      r.headers.delete('b');
      return r;
    },
  ],
  ['a clone', () => new Response('cloned', { headers: { 'x-c': '1' } }).clone()],
  [
    'the original of a clone',
    () => {
      const r = new Response('original');
      r.clone();
      return r;
    },
  ],
  ['a subclass', () => new (class Mine extends Response {})('mine', { status: 202 })],
  ['an error', () => Response.error()],
];

describe("undici's Response state", () => {
  it("has the shape the fast reader reads, in this runtime's Response", () => {
    // Loud on purpose: the adapter still works (it falls back to the public API), only slower.
    if (!responseStateProbe.ok)
      throw new Error(
        `undici's Response internals moved (${responseStateProbe.missing} is not where it was): ` +
          'serve() reads Responses through the slower public API until undici-response-state.ts follows',
      );
    expect(responseStateProbe.ok).toBe(true);
  });

  it.each(RESPONSES)(
    'reads %s the same as the public API, field for field and byte for byte',
    async (_, make) => {
      if (!responseStateProbe.ok) throw new Error(`probe failed: ${responseStateProbe.missing}`);
      const fast = responseStateProbe.read(make()) ?? readResponsePublicly(make());
      const slow = readResponsePublicly(make());
      expect(fast.status).toBe(slow.status);
      expect(fast.fields).toEqual(slow.fields);
      expect(await wireBytes(fast.body)).toEqual(await wireBytes(slow.body));
    },
  );

  it('gives the string or bytes of an untouched body as they are, no stream read', () => {
    expect(readResponse(new Response('as is')).body).toBe('as is');
    const bytes = new Uint8Array([1, 2, 3]);
    expect(readResponse(new Response(bytes)).body).toEqual(bytes);
    expect(readResponse(new Response(null)).body).toBeUndefined();
  });

  it('gives the stream once the body was read or locked', async () => {
    const read = new Response('read');
    await read.text();
    expect(readResponse(read).body).toBe(read.body);
    const locked = new Response('locked');
    locked.body?.getReader();
    expect(readResponse(locked).body).toBe(locked.body);
  });

  it('leaves subclasses (their getters may differ) and non-default responses to the public API', () => {
    if (!responseStateProbe.ok) throw new Error(`probe failed: ${responseStateProbe.missing}`);
    class Teapot extends Response {
      override get status(): number {
        return 418;
      }
    }
    expect(responseStateProbe.read(new Teapot('t'))).toBeUndefined();
    expect(readResponse(new Teapot('t')).status).toBe(418);
    expect(responseStateProbe.read(Response.error())).toBeUndefined();
    expect(readResponse(Response.error()).status).toBe(0);
  });
});

describe('probeResponseState', () => {
  /** A probe over real Responses that `change` has altered, as a future undici might. */
  const probeAltered = (change: (r: Response, state: Loose) => void) =>
    probeResponseState((body, init) => {
      const r = new Response(body, init);
      change(r, stateOf(r));
      return r;
    });
  const names = (change: (r: Response, state: Loose) => void): string => {
    const probe = probeAltered(change);
    return probe.ok ? 'nothing: the probe passed' : probe.missing;
  };

  it('passes on an unaltered Response', () => {
    expect(probeAltered(() => {}).ok).toBe(true);
  });

  it('names the field that moved, so a failing shape test says what to look at', () => {
    const onBody = (change: (state: Loose) => void) => (r: Response, state: Loose) => {
      if (r.body !== null) change(state);
    };
    expect(names((r) => delete (r as unknown as Loose)[symbolOf(r, 'state')])).toMatch(/described "state"/);
    expect(names((r) => ((r as unknown as Loose)[symbolOf(r, 'state')] = 1 as never))).toMatch(
      /Response state object/,
    );
    expect(names((_, s) => (s.type = 'basic'))).toMatch(/state\.type/);
    expect(names((_, s) => (s.status = '201'))).toMatch(/state\.status/);
    expect(names((_, s) => (s.statusText = undefined))).toMatch(/state\.statusText/);
    expect(names((_, s) => (s.headersList = null))).toMatch(/state\.headersList/);
    expect(
      names((_, s) => {
        const list = s.headersList as Loose;
        list[symbolOf(list, 'headers map')] = {};
      }),
    ).toMatch(/"headers map"/);
    expect(
      names((_, s) => {
        const list = s.headersList as Loose;
        const map = list[symbolOf(list, 'headers map')] as unknown as Map<string, unknown>;
        for (const [k, v] of map) map.set(k, (v as { value: string }).value);
      }),
    ).toMatch(/headers map entries/);
    expect(names((_, s) => ((s.headersList as Loose).cookies = null))).toMatch(/cookies/);
    expect(
      names(
        onBody((s) => {
          s.body = null;
        }),
      ),
    ).toMatch(/^state\.body$/);
    expect(
      names(
        onBody((s) => {
          (s.body as Loose).source = null;
        }),
      ),
    ).toMatch(/state\.body\.source/);
    // response.body no longer gives the stream kept there.
    expect(names((r) => Object.defineProperty(r, 'body', { value: new ReadableStream() }))).toMatch(
      /state\.body\.stream/,
    );
    expect(
      names((r, s) => {
        if (r.body === null) s.body = { source: '', stream: new ReadableStream() };
      }),
    ).toMatch(/none for a Response without one/);
    // A header list the Headers object no longer reads: the fields differ.
    expect(
      names((_, s) => {
        const list = s.headersList as Loose;
        const kMap = symbolOf(list, 'headers map');
        s.headersList = {
          cookies: ['c=1', 'd=2'],
          [kMap]: new Map([['x-a', { name: 'x-a', value: '1' }]]),
        };
      }),
    ).toMatch(/differ from iterating response\.headers/);
  });
});
