import * as http2 from 'node:http2';
import type { ServerExchange } from '@h2tubes/h2-flow';
import { serverConnection } from '@h2tubes/h2-flow';
import { tap } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { serve } from '../src/serve.js';
import type { AcceptH2, Server } from '../src/server-lifecycle.js';
import { upgradeWebSocket } from '../src/websocket/index.js';
import { extendedConnect, openH2WebSocket } from './websocket-h2-client.js';

let server: Server | undefined;
let client: http2.ClientHttp2Session | undefined;
afterEach(async () => {
  client?.destroy();
  await server?.close(100);
  server = undefined;
});

/** Every exchange the HTTP/2 stack hands out, recorded so the test can assert `:protocol`. */
const exchanges: ServerExchange[] = [];
const recordingAcceptH2: AcceptH2 = (socket, options) =>
  serverConnection(socket, options).pipe(tap((e) => exchanges.push(e)));

// RFC 8441 §4–5: over HTTP/2 a WebSocket is a CONNECT stream with `:protocol websocket`; the
// server answers 200 and the stream's DATA frames then carry the WebSocket frames both ways.
describe('WebSocket over HTTP/2 extended CONNECT, node:http2 client', () => {
  it('answers 200 to extended CONNECT, echoes messages, and round-trips close code 4000', async () => {
    const serverCloses: { code: number; reason: string }[] = [];
    let transport: string | undefined;
    server = await serve(
      (request) => {
        const { socket, response } = upgradeWebSocket(request);
        transport = socket.transport;
        socket.onmessage = (e) => socket.send(e.data as string | ArrayBuffer);
        socket.onclose = (e) => serverCloses.push({ code: e.code, reason: e.reason });
        return response;
      },
      { acceptH2: recordingAcceptH2 },
    );
    const ws = await openH2WebSocket(server.port, '/echo');
    client = ws.session;
    expect(ws.status).toBe(200);
    expect(ws.session.remoteSettings.enableConnectProtocol).toBe(true); // RFC 8441 §3
    expect(exchanges.at(-1)).toMatchObject({ method: 'CONNECT', protocol: 'websocket', path: '/echo' });
    expect(transport).toBe('h2');

    const big = Uint8Array.from({ length: 300_000 }, (_, i) => i & 0xff); // > the 64 KiB initial window
    ws.endpoint.send('héllo 日本 🚀');
    ws.endpoint.send(big);
    await expect.poll(() => ws.messages.length, { timeout: 10_000 }).toBe(2);
    expect(ws.messages[0]).toBe('héllo 日本 🚀');
    expect(Buffer.from(ws.messages[1] as Uint8Array).equals(big)).toBe(true);

    ws.endpoint.close(4000, 'bye');
    expect(await ws.closed).toEqual({ code: 4000, reason: '', wasClean: true });
    await expect.poll(() => serverCloses, { timeout: 10_000 }).toEqual([{ code: 4000, reason: 'bye' }]);
  });

  it('rejects a wrong Sec-WebSocket-Version through the handler (RFC 6455 §4.2.2: 426 is the app’s)', async () => {
    server = await serve((request) => {
      try {
        return upgradeWebSocket(request).response;
      } catch {
        return new Response(null, { status: 426, headers: { 'sec-websocket-version': '13' } });
      }
    });
    const session = http2.connect(`http://127.0.0.1:${server.port}`);
    client = session;
    await new Promise<void>((resolve) => session.once('remoteSettings', () => resolve()));
    const stream = session.request(
      extendedConnect(server.port, '/', { ':authority': 'x', 'sec-websocket-version': '8' }),
    );
    const status = await new Promise<number>((resolve) =>
      stream.once('response', (h) => resolve(Number(h[':status']))),
    );
    expect(status).toBe(426);
    stream.close();
  });
});
