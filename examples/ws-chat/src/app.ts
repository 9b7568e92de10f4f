import { type ServerWebSocket, upgradeWebSocket } from '@h2tubes/web-adapter';
import { PAGE } from './page.js';

/** A WebSocket request: extended CONNECT over HTTP/2 (RFC 8441) or a GET with Upgrade (RFC 6455). */
function isWebSocketRequest(request: Request): boolean {
  if (request.method === 'CONNECT') return true;
  return request.headers.get('upgrade')?.toLowerCase() === 'websocket';
}

/** Options of `createChatApp`. */
export interface ChatOptions {
  /** Told how each socket closed (the close code and reason the peer sent, RFC 6455 §7.1.5). */
  readonly onSocketClosed?: (path: string, code: number, reason: string) => void;
}

/**
 * The chat: `/` is the page, `/chat` a WebSocket whose text messages go to every connected
 * socket, `/echo` a WebSocket that sends every message back as it came (used by the browser test).
 * One handler serves both transports; each socket is told which one it got.
 *
 * @example
 * await serve(createChatApp(), { tls: { cert, key } });
 */
export function createChatApp(options: ChatOptions = {}): (request: Request) => Response {
  const members = new Set<ServerWebSocket>();
  return (request) => {
    const { pathname } = new URL(request.url);
    if (pathname === '/')
      return new Response(PAGE, { headers: { 'content-type': 'text/html; charset=utf-8' } });
    if (pathname !== '/chat' && pathname !== '/echo') return new Response('Not Found', { status: 404 });
    if (!isWebSocketRequest(request))
      return new Response('a WebSocket endpoint', { status: 426, headers: { upgrade: 'websocket' } });
    const { socket, response } = upgradeWebSocket(request);
    socket.addEventListener('close', (e) => {
      const { code, reason } = e as Event & { code: number; reason: string };
      options.onSocketClosed?.(pathname, code, reason);
    });
    if (pathname === '/echo') {
      socket.onmessage = (e) => socket.send(e.data as string | ArrayBuffer);
      return response;
    }
    socket.onopen = () => {
      members.add(socket);
      socket.send(JSON.stringify({ type: 'welcome', transport: socket.transport }));
    };
    socket.onmessage = (e) => {
      if (typeof e.data !== 'string') return;
      const line = JSON.stringify({ type: 'chat', text: e.data.slice(0, 1000) });
      for (const m of members) m.send(line);
    };
    socket.onclose = () => members.delete(socket);
    return response;
  };
}
