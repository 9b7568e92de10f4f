import type { BodySource } from '@h2tubes/h2-flow';
import type { HeaderField } from '@h2tubes/h2-frames';
import { initToFields } from './field-conversion.js';
import { delegateToReal, type Materializable } from './lazy-fetch-object.js';
import { plainBody, withDefaultContentType } from './plain-body.js';

/**
 * The runtime's own Response (undici's in Node), taken when this module loads: what a
 * FastResponse materializes into, even after `serve()` has put a lazy class in the global's place
 * (`global-response.ts`).
 */
export const NativeResponse: typeof Response = globalThis.Response;

/** Fetch's null body statuses: a Response with one of them cannot have a body. */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/** The parts of an untouched FastResponse, sent without building a Fetch Response. */
export interface FastResponseParts {
  readonly status: number;
  readonly fields: HeaderField[];
  readonly body: BodySource | undefined;
}

/** FastResponse is typed as a Response: see the class. */
export interface FastResponse extends Response {}

/**
 * A drop-in `Response` for handlers that want the fast path: `new FastResponse(body, init)` only
 * records its arguments, and the adapter sends a string, bytes or ReadableStream body and the
 * init's headers directly. Measured on Node 20, `new Response('hi', { headers })` costs ~35 µs
 * (a ReadableStream, made transferable by Node 20's constructor, and a Headers list), three times
 * the whole HTTP/2 exchange. `serve()` puts a variant of this class in place of the global
 * Response (`LazyGlobalResponse`). Reading `status`, `ok` or `statusText` keeps it lazy; anything
 * else (`headers`, `body`, `text()`, `clone()`, passing it to Fetch functions) materializes one
 * real Response from the same arguments and delegates to it, so it behaves as a Response
 * everywhere and `instanceof Response` holds. srvx offers the same idea under the same name.
 * Unlike Response, bytes are not copied: do not change a buffer after returning it.
 *
 * @example
 * import { FastResponse as Response } from '@h2tubes/web-adapter';
 * serve(() => new Response('hello', { headers: { 'content-type': 'text/plain' } }));
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: typed as a Response because the members it does not define are delegated to one at run time (delegateToReal below).
export class FastResponse implements Materializable<Response> {
  readonly status: number;
  /** The init's headers as fields, converted (and checked) now, as the Response constructor does. */
  private readonly fields: HeaderField[];
  private realValue: Response | undefined;
  /** Response.redirect, inherited at run time (`Object.setPrototypeOf(FastResponse, Response)` below). */
  declare static redirect: typeof Response.redirect;
  /** Response.error, inherited at run time as `redirect` is. */
  declare static error: typeof Response.error;

  constructor(
    private readonly bodyInit?: BodyInit | null,
    private readonly init?: ResponseInit,
  ) {
    const status = init?.status ?? 200;
    // The same checks and errors as the Response constructor (Fetch "initialize a response").
    if (!(Number.isInteger(status) && status >= 200 && status <= 599))
      throw new RangeError(`init["status"] must be in the range of 200 to 599, inclusive.`);
    if (bodyInit != null && NULL_BODY_STATUSES.has(status))
      throw new TypeError(`Response constructor: Invalid response status code ${status}`);
    this.status = status;
    this.fields = init?.headers === undefined ? [] : initToFields(init.headers);
  }

  /**
   * Like `Response.json`: the body is `JSON.stringify(data)`, labelled `application/json`
   * unless the init's headers say otherwise.
   *
   * @example
   * return FastResponse.json({ ok: true });
   */
  static json(data: unknown, init?: ResponseInit): FastResponse {
    const text = JSON.stringify(data);
    if (text === undefined) throw new TypeError('Value is not JSON serializable');
    const fields = withDefaultContentType(
      init?.headers === undefined ? [] : initToFields(init.headers),
      'application/json',
    );
    return new FastResponse(text, {
      ...init,
      headers: fields.map((f): [string, string] => [f.name, f.value]),
    });
  }

  get ok(): boolean {
    return this.status >= 200 && this.status <= 299;
  }

  get statusText(): string {
    return this.realValue?.statusText ?? this.init?.statusText ?? '';
  }

  /** The undici Response this one stands for, made once, from the same arguments. */
  materialize(): Response {
    this.realValue ??= new NativeResponse(this.bodyInit, this.init);
    return this.realValue;
  }

  /**
   * The parts to send, when this response is still untouched and its body is a string, bytes,
   * a ReadableStream or absent; undefined otherwise (send it as a Response).
   *
   * @internal Read by the adapter's response writer; a handler has no use for it.
   */
  fastParts(): FastResponseParts | undefined {
    if (this.realValue !== undefined || !addsNoMembers(Object.getPrototypeOf(this))) return undefined;
    const body = plainBody(this.bodyInit);
    if (body === undefined) return undefined; // Blob, FormData, URLSearchParams: Fetch's own encoding
    return {
      status: this.status,
      fields: withDefaultContentType(this.fields.slice(), body.contentType),
      body: body.source,
    };
  }
}

delegateToReal(FastResponse, NativeResponse, new NativeResponse(null));
Object.setPrototypeOf(FastResponse, NativeResponse); // statics: FastResponse.redirect, .error

/** Per prototype: whether the classes between it and FastResponse define nothing but a constructor. */
const plainPrototypes = new WeakMap<object, boolean>([[FastResponse.prototype, true]]);

/**
 * Whether an instance with this prototype can be sent from its constructor's arguments: a
 * subclass that overrides a getter or method (`headers`, `body`, ...) must be read through them.
 */
function addsNoMembers(proto: object): boolean {
  let plain = plainPrototypes.get(proto);
  if (plain === undefined) {
    const parent = Object.getPrototypeOf(proto) as object | null;
    plain =
      parent !== null &&
      Reflect.ownKeys(proto).every((key) => key === 'constructor') &&
      addsNoMembers(parent);
    plainPrototypes.set(proto, plain);
  }
  return plain;
}
