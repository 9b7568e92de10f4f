import { upgradeWebSocket } from '../src/websocket/index.js';

/** How the handler's socket saw its WebSocket close (the CloseEvent fields). */
export interface ServerClose {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

/**
 * The echo handler the WebSocket end-to-end tests share, whatever the client and transport: every
 * message goes back as it came, and every close is recorded in `closes` (default limits).
 */
export function echoHandler(closes: ServerClose[] = []): (request: Request) => Response {
  return (request) => {
    const { socket, response } = upgradeWebSocket(request);
    socket.onmessage = (e) => socket.send(e.data as string | ArrayBuffer);
    socket.onclose = (e) => closes.push({ code: e.code, reason: e.reason, wasClean: e.wasClean });
    return response;
  };
}
