import * as http2 from 'node:http2';
import { afterEach, describe, expect, it } from 'vitest';
import { serve } from '../src/serve.js';
import type { Server } from '../src/server-lifecycle.js';
import { upgradeWebSocket } from '../src/websocket/index.js';
import { extendedConnect, openH2WebSocket } from './websocket-h2-client.js';

// RFC 8441 §5: the answer to an extended CONNECT is a 200 whose stream then carries the WebSocket.
// `upgradeWebSocket`'s Response is marked, and the server sends it with the socket's frames as
// its body: the mark never reaches the client, and what middleware adds to the Response does.

let server: Server | undefined;
let client: http2.ClientHttp2Session | undefined;
afterEach(async () => {
  client?.destroy();
  client = undefined;
  await server?.close(100);
  server = undefined;
});

describe("upgradeWebSocket's response over HTTP/2", () => {
  it('goes out as the 200 with the headers middleware added and without the internal mark', async () => {
    server = await serve((request) => {
      const { socket, response } = upgradeWebSocket(request);
      socket.onmessage = (e) => socket.send(`echo ${String(e.data)}`);
      // Middleware re-wrapping the answer, as Hono and others do: a copy with one more header.
      const wrapped = new Response(response.body, response);
      wrapped.headers.set('x-served-by', 'middleware');
      return wrapped;
    });
    client = http2.connect(`http://127.0.0.1:${server.port}`);
    const ws = await openH2WebSocket(server.port, '/', client);
    expect(ws.status).toBe(200);
    expect(ws.headers['x-served-by']).toBe('middleware');
    expect(Object.keys(ws.headers).filter((name) => name.startsWith('x-h2tubes'))).toEqual([]);
    ws.endpoint.send('hi');
    await expect.poll(() => ws.messages).toEqual(['echo hi']);
    ws.endpoint.close(1000, 'bye');
    await expect(ws.closed).resolves.toMatchObject({ code: 1000 });
  });

  it('a handler that makes the socket but answers otherwise sends that answer, and the socket never opens', async () => {
    let opened = false;
    server = await serve((request) => {
      const { socket } = upgradeWebSocket(request);
      socket.onopen = () => {
        opened = true;
      };
      return new Response('not here', { status: 403 });
    });
    client = http2.connect(`http://127.0.0.1:${server.port}`);
    await new Promise<void>((resolve) => client?.once('remoteSettings', () => resolve()));
    const stream = client.request(extendedConnect(server.port, '/'));
    const status = await new Promise<number>((resolve) =>
      stream.once('response', (h) => resolve(Number(h[':status']))),
    );
    let body = '';
    stream.setEncoding('utf8');
    stream.on('data', (c: string) => {
      body += c;
    });
    await new Promise((resolve) => stream.once('end', resolve));
    expect(status).toBe(403);
    expect(body).toBe('not here');
    expect(opened).toBe(false);
  });

  it('sends the messages of one turn in one DATA frame, which the client reads in one piece', async () => {
    server = await serve((request) => {
      const { socket, response } = upgradeWebSocket(request);
      socket.onmessage = () => {
        for (let i = 0; i < 50; i++) socket.send(`message ${i}`); // one turn: a burst
      };
      return response;
    });
    client = http2.connect(`http://127.0.0.1:${server.port}`);
    const ws = await openH2WebSocket(server.port, '/', client);
    let reads = 0;
    ws.stream.on('data', () => reads++);
    ws.endpoint.send('go');
    await expect.poll(() => ws.messages.length).toBe(50);
    expect(ws.messages[49]).toBe('message 49');
    expect(reads).toBe(1); // 50 frames of ~12 octets, joined under the 16 KiB a pull may take
  });
});
