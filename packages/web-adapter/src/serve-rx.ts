import { Observable } from 'rxjs';
import { type Server, type ServerOptions, startServer } from './server-lifecycle.js';

/** One request of an Rx server and the way to answer it (once; later calls are ignored). */
export interface Exchange {
  readonly request: Request;
  respond(response: Response): void;
}

/** Options of `serveRx`. */
export interface ServeRxOptions extends ServerOptions {
  /** Called once the listeners are bound, with the addresses (the Observable itself carries requests only). */
  readonly onListening?: (server: Server) => void;
}

/**
 * The same server as `serve`, as an Observable of exchanges, so an Rx app can `.pipe()` requests
 * through its own operators. Subscribing binds the ports; unsubscribing closes the server
 * gracefully. How many requests can be outstanding is bounded per connection by HTTP/2's
 * SETTINGS_MAX_CONCURRENT_STREAMS (and one at a time per HTTP/1.1 connection).
 *
 * @example
 * serveRx({ port: 8080 }).pipe(
 *   mergeMap(async ({ request, respond }) => respond(new Response(await request.text()))),
 * ).subscribe();
 */
export function serveRx(options: ServeRxOptions = {}): Observable<Exchange> {
  // RFC 8441 §3: announce extended CONNECT, so upgradeWebSocket works over HTTP/2 here too.
  const serverOptions = { ...options, connection: { enableConnectProtocol: true, ...options.connection } };
  return new Observable<Exchange>((subscriber) => {
    let server: Server | undefined;
    let unsubscribed = false;
    startServer((request, reply) => {
      let answered = false;
      subscriber.next({
        request,
        respond: (response) => {
          if (answered) return;
          answered = true;
          reply(response);
        },
      });
    }, serverOptions).then(
      (s) => {
        server = s;
        if (unsubscribed) {
          void s.close();
          return;
        }
        s.closed.then(() => subscriber.complete());
        options.onListening?.(s);
      },
      (e: unknown) => subscriber.error(e),
    );
    return () => {
      unsubscribed = true;
      void server?.close();
    };
  });
}
