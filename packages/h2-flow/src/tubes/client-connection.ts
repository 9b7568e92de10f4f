import type { Duplex } from 'node:stream';
import { Observable } from 'rxjs';
import { type ClientSession, clientExchanges } from './client-exchanges.js';
import { H2Session, type SessionOptions } from './h2-session.js';

/**
 * The client side of one HTTP/2 connection as a cold Observable: subscribing starts it on a
 * connected socket (for TLS, one that negotiated ALPN `h2`): the preface and SETTINGS
 * (ENABLE_PUSH = 0) go out, and the `ClientSession` that issues requests is emitted once. It
 * completes when the connection ends. Unsubscribing closes the connection (GOAWAY NO_ERROR) and
 * fails the requests still open. It is the composition of the public stages (`H2Session`: socket →
 * `inboundFrames` → `ConnectionStage` → events) and `clientExchanges`, as `serverConnection` is
 * for the server role.
 *
 * @example
 * observeClientConnection(net.connect(8080, '127.0.0.1')).pipe(
 *   switchMap((client) => client.request({ method: 'GET', scheme: 'http', authority: '127.0.0.1:8080', path: '/' })),
 *   take(1),
 * ).subscribe((res) => console.log(res.status)); // then GOAWAY: the subscription is over
 */
export function observeClientConnection(
  socket: Duplex,
  options: SessionOptions = {},
): Observable<ClientSession> {
  return new Observable<ClientSession>((subscriber) => {
    const session = new H2Session(socket, 'client', options);
    let client: ClientSession | undefined;
    const sub = session.events.pipe(clientExchanges(session.stage)).subscribe({
      next: (c) => {
        client = c;
      },
      error: (err: unknown) => subscriber.error(err),
      complete: () => subscriber.complete(),
    });
    session.start();
    // Handed out only now that the connection has started: the core takes requests from here on.
    if (client !== undefined && !subscriber.closed) subscriber.next(client);
    return () => {
      sub.unsubscribe();
      session.dispose();
    };
  });
}

/**
 * Starts the client side of an HTTP/2 connection on a connected socket and returns it running:
 * the same composition as `observeClientConnection`, subscribed for the life of the connection,
 * which `close()`, `abort()` or the peer ends. Requests are issued through it at any time; each
 * response is itself a cold Observable (`request()` sends on subscribe).
 *
 * @example
 * const session = clientConnection(net.connect(8080, '127.0.0.1'));
 * session.request({ method: 'GET', scheme: 'http', authority: '127.0.0.1:8080', path: '/' })
 *   .subscribe((res) => console.log(res.status));
 */
export function clientConnection(socket: Duplex, options: SessionOptions = {}): ClientSession {
  const session = new H2Session(socket, 'client', options);
  let client!: ClientSession; // clientExchanges emits it as it is subscribed
  session.events.pipe(clientExchanges(session.stage)).subscribe({
    next: (c) => {
      client = c;
    },
    // A failed connection fails its open requests and resolves `closed`: nothing else to tell.
    error: () => {},
  });
  session.start();
  return client;
}
