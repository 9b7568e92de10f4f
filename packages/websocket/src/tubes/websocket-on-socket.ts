import type { Duplex } from 'node:stream';
import { socketDrain, socketFount } from '@h2tubes/tubes';
import type { Observable } from 'rxjs';
import { type WebSocketConnection, type WebSocketTubeOptions, webSocketTube } from './websocket-tube.js';

/**
 * Runs a WebSocket on a socket whose handshake is done (after a 101, RFC 6455 §4.2.2, or a client
 * socket that received one): `socketFount → webSocketTube → socketDrain`. Reading pauses while the
 * socket's write buffer is full, so a peer that does not read stops being read (TCP backpressure).
 * Subscribe to run it; it completes once the WebSocket is closed and the socket ended.
 *
 * @example
 * webSocketOnSocket(socket, { role: 'server' }, (ws) => ws.messages.subscribe((m) => ws.send(m))).subscribe();
 */
export function webSocketOnSocket(
  socket: Duplex,
  options: WebSocketTubeOptions,
  app: (connection: WebSocketConnection) => void,
): Observable<never> {
  const fount = socketFount(socket);
  return fount.pipe(
    webSocketTube(options, app),
    socketDrain(socket, { pause: () => fount.pauseFlow('the peer is not reading') }),
  );
}
