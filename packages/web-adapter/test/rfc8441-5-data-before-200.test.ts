import * as http2 from 'node:http2';
import { FrameParser, Opcode } from '@h2tubes/websocket/core';
import { afterEach, describe, expect, it } from 'vitest';
import { serve } from '../src/serve.js';
import type { Server } from '../src/server-lifecycle.js';
import { upgradeWebSocket } from '../src/websocket/index.js';
import { textFrame } from './websocket-fake-transport.js';
import { extendedConnect } from './websocket-h2-client.js';

// RFC 8441 §5 / RFC 9113 §8.5: a client may send DATA on the extended CONNECT stream right after
// its HEADERS, before the server's 200 arrives. Those bytes are WebSocket frames like any later
// ones: the message they carry must reach the application, not be dropped as "before open".

let server: Server | undefined;
afterEach(async () => {
  await server?.close(100);
  server = undefined;
});

describe('DATA sent before the 200 of an extended CONNECT (node:http2 client)', () => {
  it('delivers the message it carries once the socket opens', async () => {
    let releaseHandler!: () => void;
    const handlerMayAnswer = new Promise<void>((r) => {
      releaseHandler = r;
    });
    let resolveDataArrived!: () => void;
    const seen: string[] = [];
    server = await serve(async (r) => {
      const { socket, response } = upgradeWebSocket(r);
      socket.onmessage = (e) => {
        seen.push(String(e.data));
        socket.send(`echo ${String(e.data)}`);
      };
      resolveDataArrived();
      await handlerMayAnswer; // the client's DATA is in by now
      return response;
    });
    const session = http2.connect(`http://127.0.0.1:${server.port}`);
    await new Promise<void>((resolve) => session.once('remoteSettings', () => resolve()));
    const dataArrived = new Promise<void>((r) => {
      resolveDataArrived = r;
    });
    const stream = session.request(extendedConnect(server.port, '/early'));
    stream.write(textFrame('sent early'));
    await dataArrived;
    // A PING round trip: the DATA written before it has reached the server.
    await new Promise<void>((resolve, reject) => session.ping((e) => (e === null ? resolve() : reject(e))));
    releaseHandler();
    const status = await new Promise<number>((resolve) =>
      stream.once('response', (h) => resolve(Number(h[':status']))),
    );
    expect(status).toBe(200);
    const parser = new FrameParser({ maxFrameSize: 1 << 20 });
    const echoed = await new Promise<string>((resolve) => {
      stream.on('data', (c: Buffer) =>
        parser.push(new Uint8Array(c), (f) => {
          if (f.opcode === Opcode.Text) resolve(new TextDecoder().decode(f.payload));
        }),
      );
    });
    expect(echoed).toBe('echo sent early');
    expect(seen).toEqual(['sent early']);
    session.destroy();
  });
});
