/**
 * `connect().fetch` across a server's GOAWAY (RFC 9113 §8.7), against node:http2: requests the
 * server did not process are sent again on a new connection when they are safe; others fail
 * with a retryable error the caller can act on.
 */
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, serve } from '../src/index.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/**
 * A node:http2 server whose first connection, once it has two streams, sends GOAWAY with
 * last-stream-id 1 and answers stream 1 only; later connections answer everything.
 */
async function goawayServer(): Promise<{ origin: string; connections: () => number; served: string[] }> {
  const server = http2.createServer();
  let connections = 0;
  const served: string[] = [];
  server.on('session', (session) => {
    connections++;
    const first = connections === 1;
    const held: http2.ServerHttp2Stream[] = [];
    session.on('stream', (stream, headers) => {
      stream.on('error', () => {});
      const path = String(headers[':path']);
      if (!first) {
        served.push(`${connections}:${path}`);
        stream.respond({ ':status': 200 });
        stream.end(path);
        return;
      }
      held.push(stream);
      if (held.length < 2) return;
      session.goaway(http2.constants.NGHTTP2_NO_ERROR, 1);
      const [processed] = held;
      served.push(`1:${String(processed?.id)}`);
      processed?.respond({ ':status': 200 });
      processed?.end('first');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        server.close(() => r());
        setTimeout(r, 500);
      }),
  );
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
    served,
  };
}

describe('connect().fetch across GOAWAY', () => {
  it('sends a safe request above the last-stream-id again on a new connection', async () => {
    const server = await goawayServer();
    const client = await connect(server.origin);
    cleanups.push(() => client.close());
    const first = client.fetch('/one');
    const second = client.fetch('/two');
    const [a, b] = await Promise.all([first, second]);
    expect(await a.text()).toBe('first');
    expect(await b.text()).toBe('/two');
    expect(server.connections()).toBe(2);
    expect(server.served).toEqual(['1:1', '2:/two']);
    // Later requests use the new connection.
    expect(await (await client.fetch('/three')).text()).toBe('/three');
    expect(server.connections()).toBe(2);
  });

  it('does not send a POST again: it fails with a retryable error for the caller to decide', async () => {
    const server = await goawayServer();
    const client = await connect(server.origin);
    cleanups.push(() => client.close());
    const first = client.fetch('/one');
    const post = client.fetch('/submit', { method: 'POST', body: 'order #1' });
    expect(await (await first).text()).toBe('first');
    await expect(post).rejects.toMatchObject({ retryable: true });
    expect(server.served).toEqual(['1:1']);
  });

  it('rejects while the server is gone, and dials again on the next request once it is back', async () => {
    const hello = () => new Response('back');
    const first = await serve(hello, { hostname: '127.0.0.1', port: 0 });
    const { port } = first;
    const client = await connect(first.url);
    cleanups.push(() => client.close(0));
    const before = client.session;
    await (await client.fetch('/')).text();
    await first.close(); // GOAWAY: the client's connection takes no new requests
    await expect(client.fetch('/')).rejects.toMatchObject({ code: 'ECONNREFUSED', port });
    // The failed connect is not remembered: the next request opens a new connection.
    const second = await serve(hello, { hostname: '127.0.0.1', port });
    cleanups.push(() => second.close(0));
    expect(await (await client.fetch('/')).text()).toBe('back');
    expect(client.session).not.toBe(before);
  });
});
