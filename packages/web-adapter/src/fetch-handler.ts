import { defaultReportError, type ReportError } from '@h2tubes/h2-flow';
/**
 * The Fetch handler shape shared by Hono (`app.fetch`), srvx, Deno.serve and Bun.serve.
 *
 * @example
 * const handler: FetchHandler = (request) => new Response(`hello ${new URL(request.url).pathname}`);
 */
export type FetchHandler = (request: Request) => Response | Promise<Response>;

/**
 * Called when a handler throws or returns something that is not a Response. It may return the
 * Response to send instead; by default the adapter logs one line and answers 500.
 */
export type HandlerErrorHook = (error: unknown, request: Request) => Response | undefined | void;

/**
 * Runs a handler so that nothing it does can crash the process: a throw, a rejection or a
 * non-Response result becomes a 500 response and is reported through `report` (default: one
 * `console.error` line), or `onError` decides. A request whose peer already went away is not
 * reported: nobody will see the answer.
 *
 * @example
 * const response = await callHandler(app.fetch, request);
 */
export function callHandler(
  handler: FetchHandler,
  request: Request,
  onError?: HandlerErrorHook,
  report: ReportError = defaultReportError,
): Promise<Response> {
  let result: Response | Promise<Response>;
  try {
    result = handler(request);
  } catch (e) {
    return Promise.resolve(handlerFailed(e, request, onError, report));
  }
  if (result instanceof Response) return Promise.resolve(result);
  return Promise.resolve(result).then(
    (r) =>
      r instanceof Response
        ? r
        : handlerFailed(new TypeError('handler did not return a Response'), request, onError, report),
    (e: unknown) => handlerFailed(e, request, onError, report),
  );
}

function handlerFailed(
  error: unknown,
  request: Request,
  onError: HandlerErrorHook | undefined,
  report: ReportError,
): Response {
  if (onError !== undefined) {
    try {
      const r = onError(error, request);
      if (r instanceof Response) return r;
    } catch {
      // A failing hook falls back to the default answer below.
    }
  } else if (!request.signal.aborted) {
    report(error, { what: `the handler of ${request.method} ${request.url}` });
  }
  return new Response('Internal Server Error', { status: 500, headers: { 'content-type': 'text/plain' } });
}
