import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { serve } from '../src/serve.js';
import type { Server } from '../src/server-lifecycle.js';
import { upgradeWebSocket } from '../src/websocket/index.js';
import { type H2WebSocket, openH2WebSocket } from './websocket-h2-client.js';

let server: Server | undefined;
let h2: H2WebSocket | undefined;
afterEach(async () => {
  h2?.session.destroy();
  await server?.close(100);
  server = undefined;
});

/**
 * A Hono app whose middleware re-wraps every response (as header-setting middleware does), so the
 * upgrade must be recognized on a copy of the Response upgradeWebSocket returned.
 */
function honoApp(): Hono {
  const app = new Hono();
  app.use(async (c, next) => {
    await next();
    c.res = new Response(c.res.body, c.res);
    c.res.headers.set('x-middleware', 'seen');
  });
  app.all('/ws', (c) => {
    const { socket, response } = upgradeWebSocket(c.req.raw);
    socket.onmessage = (e) => socket.send(`hono: ${e.data}`);
    return response;
  });
  return app;
}

// The Deno-style helper inside a Hono app, both transports: HTTP/1.1 Upgrade (RFC 6455 §4) and
// HTTP/2 extended CONNECT (RFC 8441), one route.
describe('upgradeWebSocket in a Hono app', () => {
  it('upgrades over HTTP/1.1 even when middleware re-wraps the response', async () => {
    server = await serve(honoApp().fetch);
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const reply = new Promise<string>((resolve) => ws.once('message', (d) => resolve(String(d))));
    ws.send('hi');
    expect(await reply).toBe('hono: hi');
    ws.close();
  });

  it('answers extended CONNECT on the same route over HTTP/2', async () => {
    server = await serve(honoApp().fetch);
    h2 = await openH2WebSocket(server.port, '/ws');
    expect(h2.status).toBe(200);
    h2.endpoint.send('hi');
    const client = h2;
    await expect.poll(() => client.messages, { timeout: 10_000 }).toEqual(['hono: hi']);
  });
});
