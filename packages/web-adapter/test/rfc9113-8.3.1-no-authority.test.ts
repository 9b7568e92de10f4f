import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { serve } from '../src/serve.js';
import type { Server } from '../src/server-lifecycle.js';

// RFC 9113 §8.3.1: a request may carry neither :authority nor Host (an origin server is free to
// serve it). The handler's URL then names localhost, as for an HTTP/1.0 request without Host.

let server: Server | undefined;
afterEach(async () => {
  await server?.close(100);
  server = undefined;
});

const frame = (type: number, flags: number, streamId: number, payload: number[] | Buffer): Buffer => {
  const p = Buffer.from(payload);
  const head = Buffer.alloc(9);
  head.writeUIntBE(p.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(streamId, 5);
  return Buffer.concat([head, p]);
};

describe('a request without :authority and Host, raw HTTP/2 frames', () => {
  it('reaches the handler as http://localhost/path', async () => {
    server = await serve((r) => new Response(r.url));
    const socket = net.connect({ host: '127.0.0.1', port: server.port });
    const got: Buffer[] = [];
    socket.on('data', (c: Buffer) => got.push(c));
    const closed = new Promise((r) => socket.on('close', r));
    socket.on('error', () => {});
    socket.write(
      Buffer.concat([
        Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1'),
        frame(4, 0, 0, []), // SETTINGS
        // HEADERS, END_STREAM | END_HEADERS: :method GET, :scheme http, :path / (HPACK static 2, 6, 4)
        frame(1, 0x5, 1, [0x82, 0x86, 0x84]),
      ]),
    );
    // Read frames until the DATA with END_STREAM on stream 1.
    let body = '';
    for (let done = false; !done; ) {
      await new Promise((r) => socket.once('data', r));
      const all = Buffer.concat(got);
      body = '';
      for (let i = 0; i + 9 <= all.length; ) {
        const len = all.readUIntBE(i, 3);
        if (i + 9 + len > all.length) break;
        const type = all[i + 3];
        const flags = all[i + 4] as number;
        const stream = all.readUInt32BE(i + 5) & 0x7fffffff;
        if (type === 0 && stream === 1) {
          body += all.subarray(i + 9, i + 9 + len).toString('latin1');
          if ((flags & 0x1) !== 0) done = true;
        }
        i += 9 + len;
      }
    }
    expect(body).toBe('http://localhost/');
    socket.end();
    await closed;
  });
});
