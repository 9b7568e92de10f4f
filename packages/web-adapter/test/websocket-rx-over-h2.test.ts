import { tap } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { serve } from '../src/serve.js';
import type { Server } from '../src/server-lifecycle.js';
import { upgradeWebSocket } from '../src/websocket/index.js';
import { type H2WebSocket, openH2WebSocket } from './websocket-h2-client.js';

let server: Server | undefined;
let ws: H2WebSocket | undefined;
afterEach(async () => {
  ws?.session.destroy();
  await server?.close(100);
  server = undefined;
});

// The Rx form end to end over HTTP/2 (RFC 8441): incoming messages as an Observable whose
// consumer acknowledges each one later (the stream's credit goes back only then, RFC 9113 §6.9),
// outgoing messages pulled from an Observable. The client sends several times the 64 KiB initial
// window, so this only completes if credit really is returned as the consumer acks.
describe('Rx form over HTTP/2', () => {
  it('echoes through incoming/sendFrom with asynchronous acks, past the initial window', async () => {
    server = await serve((request) => {
      const { socket, response } = upgradeWebSocket(request);
      socket.manualAck();
      socket.sendFrom(socket.incoming.pipe(tap(() => setImmediate(() => socket.ack()))));
      return response;
    });
    ws = await openH2WebSocket(server.port, '/');
    const sent: Uint8Array[] = [];
    for (let i = 0; i < 200; i++) sent.push(Uint8Array.from({ length: 2048 }, (_, k) => (k + i) & 0xff));
    for (const m of sent) ws.endpoint.send(m);
    const client = ws;
    await expect.poll(() => client.messages.length, { timeout: 10_000 }).toBe(200);
    for (let i = 0; i < 200; i++)
      expect(Buffer.from(client.messages[i] as Uint8Array).equals(Buffer.from(sent[i] as Uint8Array))).toBe(
        true,
      );
    ws.endpoint.close(1000);
    expect((await ws.closed).wasClean).toBe(true);
  });
});
