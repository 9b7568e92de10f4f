import type { HeaderField } from '@h2tubes/h2-frames';
import { headersToFields, pushField } from './field-conversion.js';
import { type FetchBody, untouchedBodySource } from './untouched-body-source.js';

/** What the adapter sends of a Response: status, fields in Headers' order, and the body. */
export interface ResponseState {
  readonly status: number;
  readonly fields: HeaderField[];
  /** The string or bytes it was built from while untouched, else its stream; undefined: no body. */
  readonly body: string | Uint8Array | ReadableStream<Uint8Array> | undefined;
}

/** Reads a Response's state, or undefined when this one must be read through the public API. */
export type ResponseStateReader = (response: Response) => ResponseState | undefined;

/** The result of probing undici's Response shape: a reader, or what was not where expected. */
export type ResponseStateProbe =
  | { readonly ok: true; readonly read: ResponseStateReader }
  | { readonly ok: false; readonly missing: string };

/** undici's header list entry: the name as first given and the combined value (Fetch §2.2.2). */
interface HeaderEntry {
  readonly name: string;
  readonly value: string;
}

/** The parts of undici's response state (lib/web/fetch/response.js `makeResponse`) read here. */
interface UndiciResponseState {
  readonly type: string;
  readonly status: number;
  readonly statusText: string;
  readonly headersList: { readonly cookies: string[] | null } & Record<symbol, Map<string, HeaderEntry>>;
  /** Absent (undefined) or null when the Response has no body. */
  readonly body: FetchBody | null | undefined;
}

/**
 * The public-API reading of a Response, the same for any Fetch implementation: what the fast
 * reader must give, field for field and byte for byte, and what is used whenever it cannot.
 *
 * @example
 * readResponsePublicly(new Response('hi')); // { status: 200, fields: [content-type], body: stream }
 */
export function readResponsePublicly(response: Response): ResponseState {
  return {
    status: response.status,
    fields: headersToFields(response.headers),
    body: response.body ?? undefined,
  };
}

/**
 * Probes, once, how a Fetch implementation keeps a Response's state, on Responses made by `make`
 * (in use: the global Response). Node's Fetch (undici) keeps it under an own symbol described
 * `state`: `{ type, status, statusText, headersList, body: { stream, source, length } }`, and the
 * header list as a Map under a symbol described `headers map` plus a `cookies` list. When all of
 * that is where expected and reads back what the public API says, the reader answers from it
 * directly: the getters' brand checks, the `Headers` iterator (an array per field, sorted) and
 * the stream are then skipped, and a string or bytes body is sent as given. Otherwise `missing`
 * names the first field that moved, and the adapter keeps to `readResponsePublicly`.
 *
 * @example
 * const probe = probeResponseState((body, init) => new Response(body, init));
 * if (probe.ok) probe.read(new Response('hi')); // { status: 200, fields: [...], body: 'hi' }
 */
export function probeResponseState(
  make: (body: BodyInit | null, init?: ResponseInit) => Response,
): ResponseStateProbe {
  const sample = make('probe', {
    status: 201,
    statusText: 'Probed',
    headers: [
      ['x-b', '2'],
      ['set-cookie', 'c=1'],
      ['X-A', '1'],
      ['set-cookie', 'd=2'],
    ],
  });
  const kState = Object.getOwnPropertySymbols(sample).find((k) => k.description === 'state');
  if (kState === undefined) return missing('an own symbol property described "state" on a Response');
  const stateOf = (r: Response): UndiciResponseState | undefined =>
    (r as unknown as Record<symbol, UndiciResponseState | undefined>)[kState];
  const state = stateOf(sample);
  if (typeof state !== 'object' || state === null) return missing('the Response state object');
  if (state.type !== 'default') return missing('state.type ("default" for a constructed Response)');
  if (state.status !== 201) return missing('state.status (the number given as init.status)');
  if (state.statusText !== 'Probed') return missing('state.statusText');
  const list = state.headersList;
  if (typeof list !== 'object' || list === null) return missing('state.headersList');
  const kMap = Object.getOwnPropertySymbols(list).find((k) => k.description === 'headers map');
  if (kMap === undefined || !(list[kMap] instanceof Map))
    return missing('the Map under the symbol described "headers map" on state.headersList');
  if (list[kMap].get('x-a')?.value !== '1')
    return missing('headers map entries { name, value } keyed lowercase');
  if (!Array.isArray(list.cookies) || list.cookies.join() !== 'c=1,d=2')
    return missing('state.headersList.cookies (each set-cookie value)');
  const body = state.body;
  if (typeof body !== 'object' || body === null) return missing('state.body');
  if (body.source !== 'probe') return missing('state.body.source (the string the body was made from)');
  if (body.stream !== sample.body) return missing('state.body.stream (the stream response.body gives)');
  const bodiless = stateOf(make(null));
  if (bodiless === undefined || bodiless.body != null)
    return missing('state.body (none for a Response without one)');

  const fieldsOf = (s: UndiciResponseState): HeaderField[] =>
    listToFields(s.headersList[kMap] as Map<string, HeaderEntry>, s.headersList.cookies);
  if (JSON.stringify(fieldsOf(state)) !== JSON.stringify(headersToFields(sample.headers)))
    return missing('the fields read from state.headersList (they differ from iterating response.headers)');

  const proto = Object.getPrototypeOf(sample) as object;
  const read: ResponseStateReader = (response) => {
    // A subclass may override the getters, and a filtered or error Response (fetch(),
    // Response.error()) is not what was probed: both go through the public API.
    if (Object.getPrototypeOf(response) !== proto) return undefined;
    const s = stateOf(response);
    if (s === undefined || s.type !== 'default') return undefined;
    const b = s.body;
    return {
      status: s.status,
      fields: fieldsOf(s),
      body: b == null ? undefined : (untouchedBodySource(b) ?? b.stream),
    };
  };
  return { ok: true, read };
}

/**
 * A header list as `Headers` iteration gives it (Fetch "sort and combine", §2.2.2): by
 * lowercase name, each set-cookie on its own, the others combined; then made HTTP/2 fields
 * (connection-specific ones dropped, RFC 9113 §8.2.2).
 */
function listToFields(map: Map<string, HeaderEntry>, cookies: readonly string[] | null): HeaderField[] {
  const out: HeaderField[] = [];
  for (const [name, entry] of map) {
    if (name === 'set-cookie' && cookies !== null) for (const c of cookies) pushField(out, name, c);
    else pushField(out, name, entry.value);
  }
  // Stable: set-cookie values keep their order. Names are unique otherwise.
  if (out.length > 1) out.sort(byName);
  return out;
}

function byName(a: HeaderField, b: HeaderField): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function missing(what: string): ResponseStateProbe {
  return { ok: false, missing: what };
}

/** The probe of the running runtime's Response, made once when the adapter loads. */
export const responseStateProbe: ResponseStateProbe = probeResponseState(
  (body, init) => new Response(body, init),
);

/**
 * Reads the global Response's state directly when the probe passed (see `probeResponseState`),
 * else through the public API.
 *
 * @example
 * const { status, fields, body } = readResponse(new Response('hi')); // body: 'hi'
 */
export const readResponse: (response: Response) => ResponseState = responseStateProbe.ok
  ? (
      (read) => (response: Response) =>
        read(response) ?? readResponsePublicly(response)
    )(responseStateProbe.read)
  : readResponsePublicly;
