import type { Subscription } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { serveRx } from '../src/serve-rx.js';
import type { Server } from '../src/server-lifecycle.js';
import { upgradeWebSocket } from '../src/websocket/index.js';
import { type H2WebSocket, openH2WebSocket } from './websocket-h2-client.js';

let subscription: Subscription | undefined;
let ws: H2WebSocket | undefined;
afterEach(() => {
  ws?.session.destroy();
  subscription?.unsubscribe();
});

// serveRx announces SETTINGS_ENABLE_CONNECT_PROTOCOL like serve (RFC 8441 §3), so an Rx app can
// answer extended CONNECT with upgradeWebSocket's response.
describe('upgradeWebSocket under serveRx', () => {
  it('opens a WebSocket over HTTP/2 and echoes through the Rx form', async () => {
    const server = await new Promise<Server>((resolve, reject) => {
      subscription = serveRx({ onListening: resolve, gracefulTimeoutMs: 100 }).subscribe({
        next: ({ request, respond }) => {
          const { socket, response } = upgradeWebSocket(request);
          socket.sendFrom(socket.incoming);
          respond(response);
        },
        error: reject,
      });
    });
    ws = await openH2WebSocket(server.port, '/rx');
    expect(ws.status).toBe(200);
    ws.endpoint.send('rx ✓');
    const client = ws;
    await expect.poll(() => client.messages, { timeout: 10_000 }).toEqual(['rx ✓']);
  });
});
