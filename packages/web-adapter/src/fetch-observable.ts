import { Observable } from 'rxjs';

/**
 * Any Fetch-shaped function: the global `fetch`, or an `H2Client`'s (whose Responses are
 * `H2Response`s, kept as `R` so their typed body survives the Observable).
 */
export type FetchFunction<R extends Response = Response> = (
  input: string | URL | Request,
  init?: RequestInit,
) => Promise<R>;

/**
 * A request as an Observable: subscribing sends it, the Response is emitted once its headers are
 * in (then the Observable completes; the body keeps streaming), and unsubscribing before that
 * aborts it (over HTTP/2: RST_STREAM CANCEL). A signal in `init` aborts it too. Cold: each
 * subscription is a new request, so `retry()` and `switchMap` work as Rx users expect.
 *
 * @example
 * clicks$.pipe(switchMap(() => observeFetch(client.fetch, '/api/time')), switchMap((r) => r.json()))
 */
export function observeFetch<R extends Response = Response>(
  fetch: FetchFunction<R>,
  input: string | URL | Request,
  init: RequestInit = {},
): Observable<R> {
  return new Observable<R>((subscriber) => {
    const controller = new AbortController();
    const signal = init.signal ? AbortSignal.any([init.signal, controller.signal]) : controller.signal;
    let settled = false;
    fetch(input, { ...init, signal }).then(
      (response) => {
        settled = true;
        subscriber.next(response);
        subscriber.complete();
      },
      (e: unknown) => {
        settled = true;
        subscriber.error(e);
      },
    );
    return () => {
      // Only a request still waiting for its response is aborted: a delivered body stays readable.
      if (!settled) controller.abort(new DOMException('the subscriber unsubscribed', 'AbortError'));
    };
  });
}
