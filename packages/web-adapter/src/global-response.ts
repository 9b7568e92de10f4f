import { FastResponse, NativeResponse } from './fast-response.js';

/**
 * The class `serve()` puts in place of the global `Response`, so that handlers written against
 * plain Fetch (`new Response(body, init)`, `Response.json(...)`) take FastResponse's path without
 * changing a line. Why: on Node 20 every Response with a body builds a ReadableStream, and Node 20's
 * ReadableStream constructor makes itself transferable (`makeTransferable`, a C++ object per
 * stream): ~35 µs measured, three times the whole HTTP/2 exchange of a small GET. @hono/node-server
 * replaces the global the same way, by default.
 *
 * It differs from an explicit FastResponse only where FastResponse documents a shortcut, so that it
 * is a drop-in for code that never asked for one: a byte body is copied when the Response is made
 * (as Fetch does: changing the buffer afterwards changes nothing sent), and a locked ReadableStream
 * body is refused. `instanceof Response` holds for undici's Responses (those of
 * `fetch()`, `Response.error()`) as for lazy ones; a class that extends the global extends this one
 * and keeps its own `instanceof`.
 *
 * @example
 * globalThis.Response = LazyGlobalResponse; // what replaceGlobalResponse() does
 * new Response('hi') instanceof FastResponse; // true: sent without building a ReadableStream
 */
export class LazyGlobalResponse extends FastResponse {
  constructor(body?: BodyInit | null, init?: ResponseInit) {
    super(copiedAsFetchWould(body), init);
  }

  /** Any Response is one: undici's, FastResponse's and this class's (only for this class itself). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // `this` is the class `instanceof` asked about: a subclass inherits this static method and must
    // keep the ordinary prototype-chain answer.
    // biome-ignore lint/complexity/noThisInStatic: the class asked about, not always this one (see above).
    const asked = this as unknown;
    return asked === LazyGlobalResponse
      ? value instanceof NativeResponse
      : Function.prototype[Symbol.hasInstance].call(asked, value);
  }
}
// Code that names its Response class (`response.constructor.name`, error messages) sees Fetch's.
Object.defineProperty(LazyGlobalResponse, 'name', { value: 'Response' });

/**
 * Fetch "extract a body" (https://fetch.spec.whatwg.org/#concept-bodyinit-extract): bytes are
 * copied; a ReadableStream that is locked (a reader has it) is a TypeError.
 */
function copiedAsFetchWould(body: BodyInit | null | undefined): BodyInit | null | undefined {
  if (body instanceof ArrayBuffer) return body.slice(0);
  if (ArrayBuffer.isView(body))
    return new Uint8Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
  if (body instanceof ReadableStream && body.locked)
    throw new TypeError('Response body object should not be disturbed or locked');
  return body;
}

/**
 * Puts `LazyGlobalResponse` in place of the global `Response`, once, and only while the global is
 * still the runtime's own (a framework that installed its own class keeps it). `serve()` calls it
 * unless told `replaceGlobalResponse: false`. Returns whether the global is now the lazy class.
 *
 * @example
 * replaceGlobalResponse(); // before handing Fetch handlers to startServer() or handlerSink()
 * new Response('hi') instanceof FastResponse; // true
 */
export function replaceGlobalResponse(): boolean {
  if (globalThis.Response === NativeResponse) globalThis.Response = LazyGlobalResponse;
  return globalThis.Response === LazyGlobalResponse;
}
