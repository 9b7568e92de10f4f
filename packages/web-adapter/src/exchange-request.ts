import * as nodeStream from 'node:stream';
import type { ServerExchange } from '@h2tubes/h2-flow';
import { BodyAccumulator, declaredLength, readWholeBody } from './body-accumulator.js';
import { fieldsToHeaders } from './field-conversion.js';
import { delegateToReal, type Materializable } from './lazy-fetch-object.js';

/** Node's `stream.isDisturbed` (web streams too, since v16.8); missing from @types/node 20. */
const { isDisturbed } = nodeStream as unknown as { isDisturbed(stream: ReadableStream): boolean };

/** RequestInit as undici takes it: a streamed body needs `duplex: 'half'`. */
type StreamingRequestInit = RequestInit & { duplex?: 'half' };

/** Turns a received body into a ReadableStream (request-from-exchange's `bodyStream`). */
export type BodyStreamFactory = (exchange: ServerExchange) => ReadableStream<Uint8Array>;

/**
 * The URL of a request: `:scheme`, `:authority` (or `host`, RFC 9113 §8.3.1) and `:path`.
 * OPTIONS * and CONNECT have no path a URL can hold (§8.3.1, §8.5): they get `/`.
 */
function urlOf(exchange: ServerExchange, headers: () => Headers): string {
  const authority = exchange.authority ?? headers().get('host') ?? 'localhost';
  const path = exchange.path.charCodeAt(0) === 0x2f /* '/' */ ? exchange.path : '/';
  return `${exchange.scheme || 'http'}://${authority}${path}`;
}

/** Fetch forbids a body on GET and HEAD. */
const hasBody = (method: string): boolean => method !== 'GET' && method !== 'HEAD';

const emptyStream = (): ReadableStream<Uint8Array> => new ReadableStream({ start: (c) => c.close() });

/** A body stream in the state Fetch leaves a consumed one in: read to its end, and locked. */
function spentStream(): ReadableStream<Uint8Array> {
  const stream = emptyStream();
  void stream.getReader().read();
  return stream;
}

/**
 * A Fetch `Request` over an HTTP/2 exchange that builds the expensive parts only when a handler
 * uses them. Measured on Node 20: `new Request(...)` costs ~9 µs (an AbortController, URL
 * parsing, WebIDL conversions), about as much as the whole HTTP/2 exchange; most handlers read
 * only `method`, `url` and a header or two. Those, `headers`, `signal` and `body` are answered
 * from the exchange; anything else (`text()`, `clone()`, `cache`, undici's internal state when
 * the object is passed to `new Request(...)` or `fetch`) materializes one real Request, built
 * from the same members, and delegates to it (see `delegateToReal`). `instanceof Request` holds.
 */
export class ExchangeRequest implements Materializable<Request> {
  private urlValue: string | undefined;
  private headersValue: Headers | undefined;
  private bodyValue: ReadableStream<Uint8Array> | null | undefined;
  private realValue: Request | undefined;
  /** `arrayBuffer()` read the body straight from the exchange, before any stream was made. */
  private bodyTaken = false;
  /** The real Request got a spent body in place of ours, which was already read or locked. */
  private bodyReplaced = false;

  constructor(
    private readonly exchange: ServerExchange,
    private readonly makeBody: BodyStreamFactory,
  ) {}

  get method(): string {
    return this.exchange.method;
  }

  get url(): string {
    this.urlValue ??= urlOf(this.exchange, () => this.headers);
    return this.urlValue;
  }

  get headers(): Headers {
    this.headersValue ??= fieldsToHeaders(this.exchange.fields);
    return this.headersValue;
  }

  get signal(): AbortSignal {
    return this.exchange.signal;
  }

  /**
   * GET and HEAD have no body (Fetch forbids one); other methods stream theirs, pulled. After
   * `arrayBuffer()` took the body without a stream, it is a stream read to its end and locked, as
   * Fetch leaves a consumed body.
   */
  get body(): ReadableStream<Uint8Array> | null {
    if (this.bodyValue === undefined) {
      if (!hasBody(this.exchange.method)) this.bodyValue = null;
      else if (this.bodyTaken) this.bodyValue = spentStream();
      else this.bodyValue = this.makeBody(this.exchange);
    }
    return this.bodyValue;
  }

  get bodyUsed(): boolean {
    if (this.bodyTaken) return true;
    // A real Request that was handed the stream reads it from then on (its clone() tees it).
    if (this.realValue !== undefined && !this.bodyReplaced) return this.realValue.bodyUsed;
    return this.bodyValue != null && isDisturbed(this.bodyValue);
  }

  /**
   * The whole body in one buffer (`BodyAccumulator`: presized from content-length, each chunk
   * copied as it comes), without materializing an undici Request (whose readAllBytes then
   * Buffer.concat were measured at 22 MiB/s for a 256 MiB h2c upload, against 158 MiB/s for a
   * handler's own reader loop). Read straight from the exchange's body (`readWholeBody`) when no
   * stream was made for it yet, through that stream otherwise. Fetch's rules hold: a body already
   * read or locked rejects with a TypeError, GET/HEAD give an empty buffer, and afterwards
   * `bodyUsed` is true.
   */
  async arrayBuffer(): Promise<ArrayBuffer> {
    if (this.realValue !== undefined) return this.realValue.arrayBuffer();
    const declared = declaredLength(this.headers.get('content-length'));
    if (this.bodyValue === undefined && !this.bodyTaken && hasBody(this.exchange.method)) {
      // Nobody has seen the body's stream: read the exchange's body without one.
      this.bodyTaken = true;
      return readWholeBody(this.exchange.body, declared);
    }
    const body = this.body;
    if (body === null) return new ArrayBuffer(0);
    if (body.locked || isDisturbed(body)) throw new TypeError('Body is unusable: Body has already been read');
    const reader = body.getReader();
    const whole = new BodyAccumulator(declared);
    for (let r = await reader.read(); !r.done; r = await reader.read()) whole.append(r.value);
    return whole.finish();
  }

  /**
   * The undici Request this one stands for, made once, from the same members. A body already
   * read or locked cannot be handed to it (undici's constructor throws); it gets an empty body
   * that is consumed at once instead, so that it answers as Fetch does for a used body: its body
   * methods reject with a TypeError and `clone()` throws one.
   */
  materialize(): Request {
    if (this.realValue === undefined) {
      const body = this.body;
      const init: StreamingRequestInit = { method: this.method, headers: this.headers, signal: this.signal };
      this.bodyReplaced = body !== null && (body.locked || isDisturbed(body));
      if (body !== null) {
        init.body = this.bodyReplaced ? emptyStream() : body;
        init.duplex = 'half';
      }
      this.realValue = new Request(this.url, init);
      if (this.bodyReplaced) this.realValue.arrayBuffer().catch(() => {});
    }
    return this.realValue;
  }
}

delegateToReal(ExchangeRequest, Request, new Request('http://localhost/'));

/**
 * Whether a lazy request passes for a real one in this runtime's Fetch implementation (Node's
 * undici keeps Request state in own symbol properties; a runtime with private fields would not
 * accept it). Checked once; when false, `requestFromExchange` builds real Requests eagerly.
 */
export const lazyRequestsWork: boolean = (() => {
  const stub = {
    method: 'POST',
    scheme: 'http',
    authority: 'localhost',
    path: '/probe',
    fields: [{ name: 'x-probe', value: '1' }],
    signal: new AbortController().signal,
  } as unknown as ServerExchange;
  try {
    const lazy = new ExchangeRequest(stub, () => new ReadableStream({ start: (c) => c.close() }));
    const copy = new Request(lazy as unknown as Request);
    return (
      copy.url === 'http://localhost/probe' && copy.headers.get('x-probe') === '1' && copy.method === 'POST'
    );
  } catch {
    return false;
  }
})();
