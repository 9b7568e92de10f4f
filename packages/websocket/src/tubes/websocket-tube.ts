import { Observable, type OperatorFunction, Subject } from 'rxjs';
import type { CloseInfo, EndpointOptions, WebSocketMessage } from '../core/endpoint.js';
import { WebSocketEndpoint } from '../core/endpoint.js';

/** Options of `webSocketTube`: the endpoint's role and limits plus the closing timeout. */
export interface WebSocketTubeOptions extends EndpointOptions {
  /**
   * How long to wait for the peer's Close after sending ours (RFC 6455 §7.1.1 leaves it to the
   * endpoint); then the connection is dropped with 1006. Default 5 s.
   */
  readonly closeTimeoutMs?: number;
}

/** The application's side of a WebSocket running in a tube. */
export interface WebSocketConnection {
  /** Received messages; completes when the WebSocket is closed. */
  readonly messages: Observable<WebSocketMessage>;
  /** Resolves when the WebSocket is closed (cleanly or not). */
  readonly closed: Promise<CloseInfo>;
  send(message: WebSocketMessage): void;
  close(code?: number, reason?: string): void;
  ping(payload?: Uint8Array): void;
}

export const DEFAULT_CLOSE_TIMEOUT_MS = 5_000;

/**
 * A WebSocket as a tube: socket bytes in, socket bytes out. `app` gets the connection once the
 * output is subscribed; the output completes once the WebSocket is closed, which is the moment to
 * end the transport (a server closes the TCP connection first, RFC 6455 §7.1.1). The input ending
 * or failing before that closes the WebSocket with 1006.
 *
 * @example
 * socketFount(socket).pipe(webSocketTube({ role: 'server' }, (ws) => {
 *   ws.messages.subscribe((m) => ws.send(m)); // echo
 * })).subscribe(socketDrain(socket));
 */
export function webSocketTube(
  options: WebSocketTubeOptions,
  app: (connection: WebSocketConnection) => void,
): OperatorFunction<Uint8Array, Uint8Array> {
  return (input) =>
    new Observable<Uint8Array>((out) => {
      const messages = new Subject<WebSocketMessage>();
      let resolveClosed!: (info: CloseInfo) => void;
      const closed = new Promise<CloseInfo>((resolve) => {
        resolveClosed = resolve;
      });
      let timer: ReturnType<typeof setTimeout> | undefined;
      const endpoint = new WebSocketEndpoint(options, {
        write: (bytes) => out.next(bytes),
        message: (m) => messages.next(m),
        closed: (info) => {
          if (timer !== undefined) clearTimeout(timer);
          resolveClosed(info);
          messages.complete();
          out.complete();
        },
      });
      const connection: WebSocketConnection = {
        messages: messages.asObservable(),
        closed,
        send: (m) => endpoint.send(m),
        ping: (p) => endpoint.ping(p),
        close: (code, reason) => {
          endpoint.close(code, reason);
          if (endpoint.state === 'closing' && timer === undefined) {
            timer = setTimeout(
              () => endpoint.abort('closing timeout'),
              options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS,
            );
          }
        },
      };
      app(connection);
      const subscription = input.subscribe({
        next: (chunk) => endpoint.receive(chunk),
        error: (e: unknown) => endpoint.abort(e instanceof Error ? e.message : String(e)),
        complete: () => endpoint.abort('the transport ended'),
      });
      return () => {
        subscription.unsubscribe();
        endpoint.abort('unsubscribed');
        if (timer !== undefined) clearTimeout(timer);
      };
    });
}
