import * as http2 from 'node:http2';
import type { ServerExchange } from '@h2tubes/h2-flow';
import { serverConnection } from '@h2tubes/h2-flow';
import { type CloseInfo, WebSocketEndpoint, type WebSocketMessage } from '@h2tubes/websocket/core';
import { tap } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { serve } from '../src/serve.js';
import type { AcceptH2, Server } from '../src/server-lifecycle.js';
import { upgradeWebSocket } from '../src/websocket/index.js';

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

interface H2WebSocket {
  endpoint: WebSocketEndpoint;
  messages: WebSocketMessage[];
  closed: Promise<CloseInfo>;
  status: number;
}

/**
 * A WebSocket client over node:http2 by hand (RFC 8441 §4): wait for the server's
 * SETTINGS_ENABLE_CONNECT_PROTOCOL = 1, send CONNECT with `:protocol websocket`, and run the
 * client side of the codec over the stream's DATA.
 */
async function openH2WebSocket(port: number, path: string): Promise<H2WebSocket> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  client = session;
  await new Promise<void>((resolve) => session.once('remoteSettings', () => resolve()));
  expect(session.remoteSettings.enableConnectProtocol).toBe(true); // RFC 8441 §3
  const stream = session.request({
    ':method': 'CONNECT',
    ':protocol': 'websocket',
    ':scheme': 'http',
    ':authority': `127.0.0.1:${port}`,
    ':path': path,
    'sec-websocket-version': '13',
  });
  const status = await new Promise<number>((resolve) =>
    stream.once('response', (h) => resolve(Number(h[':status']))),
  );
  const messages: WebSocketMessage[] = [];
  let resolveClosed!: (info: CloseInfo) => void;
  const closed = new Promise<CloseInfo>((resolve) => {
    resolveClosed = resolve;
  });
  const endpoint = new WebSocketEndpoint(
    { role: 'client' },
    {
      write: (b) => stream.write(b),
      message: (m) => messages.push(m),
      closed: (info) => {
        stream.end(); // RFC 8441 §5: END_STREAM once the close handshake is done
        resolveClosed(info);
      },
    },
  );
  stream.on('data', (c: Buffer) => endpoint.receive(new Uint8Array(c)));
  stream.on('end', () => endpoint.abort('stream ended'));
  return { endpoint, messages, closed, status };
}

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
    expect(ws.status).toBe(200);
    expect(exchanges.at(-1)).toMatchObject({ method: 'CONNECT', protocol: 'websocket', path: '/echo' });
    expect(transport).toBe('h2');

    const big = Uint8Array.from({ length: 300_000 }, (_, i) => i & 0xff); // > the 64 KiB initial window
    ws.endpoint.send('héllo 日本 🚀');
    ws.endpoint.send(big);
    await expect.poll(() => ws.messages.length).toBe(2);
    expect(ws.messages[0]).toBe('héllo 日本 🚀');
    expect(Buffer.from(ws.messages[1] as Uint8Array).equals(big)).toBe(true);

    ws.endpoint.close(4000, 'bye');
    expect(await ws.closed).toEqual({ code: 4000, reason: '', wasClean: true });
    await expect.poll(() => serverCloses).toEqual([{ code: 4000, reason: 'bye' }]);
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
    const stream = session.request({
      ':method': 'CONNECT',
      ':protocol': 'websocket',
      ':scheme': 'http',
      ':authority': 'x',
      ':path': '/',
      'sec-websocket-version': '8',
    });
    const status = await new Promise<number>((resolve) =>
      stream.once('response', (h) => resolve(Number(h[':status']))),
    );
    expect(status).toBe(426);
    stream.close();
  });
});
