import type { FieldList } from '@h2tubes/h2-frames';

/**
 * What the adapter knows about a Fetch `Request` beyond the Fetch API: how to send a 1xx before
 * the response and the request's trailers. Fetch has no place for either, so both transports
 * (HTTP/2 and the HTTP/1.1 fallback) register them here, keyed by the `Request` they built.
 */
export interface RequestContext {
  /** Sends an informational (1xx) response, e.g. 103 Early Hints (RFC 8297). */
  sendInformational(status: number, fields: FieldList): void;
  /** Trailers that followed the request body; empty when there were none. */
  readonly trailers: Promise<Headers>;
}

/**
 * Kept on the Request itself under a module-private symbol rather than in a WeakMap: a WeakMap
 * entry per request is an ephemeron the GC must trace (2 % of a small-GET server's time).
 */
const kContext = Symbol('h2tubes.requestContext');
type WithContext = { [kContext]?: RequestContext };

/**
 * Registers the context of a request the adapter built (internal to the transports).
 *
 * @example
 * attachRequestContext(request, { sendInformational: () => {}, trailers: Promise.resolve(new Headers()) });
 */
export function attachRequestContext(request: Request, context: RequestContext): void {
  (request as WithContext)[kContext] = context;
}

/**
 * The context registered for `request`, or undefined for a Request the adapter did not build
 * (one a handler made itself, or a clone).
 *
 * @example
 * requestContext(request)?.sendInformational(103, [{ name: 'link', value: '</a.css>; rel=preload' }]);
 */
export function requestContext(request: Request): RequestContext | undefined {
  return (request as WithContext)[kContext];
}

/**
 * The trailers sent after the request body (gRPC clients and others use them). Resolves once the
 * body has ended, so read the body first; resolves empty for a request not built by this adapter.
 *
 * @example
 * const text = await request.text();
 * const checksum = (await requestTrailers(request)).get('x-checksum');
 */
export function requestTrailers(request: Request): Promise<Headers> {
  return requestContext(request)?.trailers ?? Promise.resolve(new Headers());
}
