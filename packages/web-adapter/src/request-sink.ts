import type { ReportError } from '@h2tubes/h2-flow';
import { callHandler, type FetchHandler, type HandlerErrorHook } from './fetch-handler.js';

/**
 * Where both transports (HTTP/2 and the HTTP/1.1 fallback) deliver requests: a Request plus a
 * one-shot `reply`. `serve` plugs a Fetch handler in here; `serveRx` an Observable subscriber.
 * `reply` never throws: a stream that is already gone just drops the response.
 */
export type RequestSink = (request: Request, reply: (response: Response) => void) => void;

/**
 * Adapts a Fetch handler into a RequestSink (a throwing handler answers 500, see `callHandler`).
 *
 * @example
 * const sink = handlerSink((request) => new Response('ok'));
 */
export function handlerSink(
  handler: FetchHandler,
  onError?: HandlerErrorHook,
  report?: ReportError,
): RequestSink {
  return (request, reply) => {
    callHandler(handler, request, onError, report).then(reply);
  };
}
