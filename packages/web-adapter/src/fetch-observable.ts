import { Observable } from 'rxjs';

/** Any Fetch-shaped function: the global `fetch`, or an `H2Client`'s. */
export type FetchFunction = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * A request as an Observable: subscribing sends it, the Response is emitted once its headers are
 * in (then the Observable completes; the body keeps streaming), and unsubscribing before that
 * aborts it (over HTTP/2: RST_STREAM CANCEL). A signal in `init` aborts it too. Cold: each
 * subscription is a new request, so `retry()` and `switchMap` work as Rx users expect.
 *
 * @example
 * clicks$.pipe(switchMap(() => observeFetch(client.fetch, '/api/time')), switchMap((r) => r.json()))
 */
export function observeFetch(
  fetch: FetchFunction,
  input: string | URL | Request,
  init: RequestInit = {},
): Observable<Response> {
  return new Observable<Response>((subscriber) => {
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
