/**
 * `connect('http://…')` speaks HTTP/2 with prior knowledge (RFC 9113 §3.3). A server that only
 * speaks HTTP/1.1 answers the preface with an HTTP/1.1 status line; the client says so instead
 * of reporting a closed or broken HTTP/2 connection.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect } from '../src/client.js';

let server: http.Server;
let origin: string;

beforeAll(async () => {
  server = http.createServer((_req, res) => res.end('plain HTTP/1.1\n'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

it('says the h2c server answered HTTP/1.1 and does not accept prior knowledge', async () => {
  const client = await connect(origin);
  try {
    const failure = await client.fetch('/').then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(failure).toBeInstanceOf(Error);
    expect(failure?.message).toContain(`${origin} answered with HTTP/1.1 ("HTTP/1.1 400 Bad Request")`);
    expect(failure?.message).toContain('does not accept HTTP/2 with prior knowledge');
  } finally {
    await client.close(0);
  }
});
