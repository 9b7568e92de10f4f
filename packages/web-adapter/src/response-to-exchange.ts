import type { BodySource, FieldList, ServerExchange } from '@h2tubes/h2-flow';
import type { HeaderField } from '@h2tubes/h2-frames';
import { FastResponse } from './fast-response.js';
import { initToFields } from './field-conversion.js';
import { requestContext } from './request-context.js';
import { readResponse } from './undici-response-state.js';

/** Trailers a handler attached to a Response; Fetch has no field for them. */
const trailersOf = new WeakMap<Response, HeadersInit | Promise<HeadersInit>>();

/**
 * Attaches trailers to a Response (Fetch has no way to express them). They are sent after the
 * body as a trailing HEADERS frame with END_STREAM (RFC 9113 §8.1); a Promise lets a streaming
 * handler decide them once the body is done, as gRPC does with `grpc-status`.
 * Returns the same Response so it can wrap a `return`.
 *
 * @example
 * return withTrailers(new Response(stream, { headers: { 'content-type': 'application/grpc' } }),
 *                     done.then(() => ({ 'grpc-status': '0' })));
 */
export function withTrailers<R extends Response>(
  response: R,
  trailers: HeadersInit | Promise<HeadersInit>,
): R {
  trailersOf.set(response, trailers);
  return response;
}

/**
 * The trailers attached with `withTrailers`, as a Promise of Headers (or undefined when none).
 *
 * @example
 * const t = await responseTrailers(response); // Headers { 'grpc-status' => '0' }
 */
export function responseTrailers(response: Response): Promise<Headers> | undefined {
  const t = trailersOf.get(response);
  return t === undefined ? undefined : Promise.resolve(t).then((init) => new Headers(init));
}

/**
 * Sends 103 Early Hints (RFC 8297) with the given `link` values before the final response, so a
 * browser can start fetching sub-resources while the handler works. Works over HTTP/2 and the
 * HTTP/1.1 fallback; returns false for a Request this adapter did not build.
 *
 * @example
 * earlyHints(request, ['</style.css>; rel=preload; as=style']);
 * const page = await render();
 */
export function earlyHints(request: Request, links: string | readonly string[]): boolean {
  const context = requestContext(request);
  if (context === undefined) return false;
  const list = typeof links === 'string' ? [links] : links;
  const fields: HeaderField[] = list.map((value) => ({ name: 'link', value }));
  context.sendInformational(103, fields);
  return true;
}

/**
 * RFC 9110 §9.3.2, §15.3.5, §15.4.5: the response to HEAD, and 204/304 responses, have no content
 * even when the handler gave a body (its headers, content-length included, stay as given).
 *
 * @example
 * responseHasBody('HEAD', 200); // false
 */
export function responseHasBody(method: string, status: number): boolean {
  return method !== 'HEAD' && status !== 204 && status !== 304 && status >= 200;
}

/** The pieces of a Fetch Response as an HTTP/2 exchange sends them. */
export interface ResponseParts {
  readonly status: number;
  readonly fields: HeaderField[];
  readonly body: BodySource | undefined;
  readonly trailers: Promise<FieldList> | undefined;
}

/**
 * Splits a Response into status, HTTP/2 fields (lowercased, connection-specific ones dropped,
 * RFC 9113 §8.2.2), body source and trailers. The body is the string or bytes an untouched
 * Response was made from, else its own ReadableStream, pulled only as far as the windows allow
 * (`readResponse`); a body that must not be sent is cancelled.
 *
 * @example
 * const { status, fields, body, trailers } = responseParts(new Response('hi'), 'GET');
 */
export function responseParts(response: Response, method: string): ResponseParts {
  const parts =
    (response instanceof FastResponse ? response.fastParts() : undefined) ?? readResponse(response);
  const { status, fields } = parts;
  const source = parts.body;
  let body: BodySource | undefined;
  if (source !== undefined) {
    if (responseHasBody(method, status)) body = source;
    else if (source instanceof ReadableStream) source.cancel().catch(ignore);
  }
  const t = trailersOf.get(response);
  const trailers = t === undefined ? undefined : Promise.resolve(t).then(initToFields);
  return { status, fields, body, trailers };
}

/**
 * Answers an exchange with a Fetch Response (see `responseParts`).
 *
 * @example
 * respondToExchange(exchange, await handler(request), exchange.method);
 */
export function respondToExchange(exchange: ServerExchange, response: Response, method: string): void {
  const parts = responseParts(response, method);
  exchange.respond(parts.status, parts.fields, parts.body, parts.trailers);
}

function ignore(): void {}
