import { mkdtemp, rm } from 'node:fs/promises';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../src/client.js';
import { devCertificate } from '../src/dev-certificate.js';
import { serve } from '../src/serve.js';

let dir: string;
let tls: { cert: string; key: string };
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'h2tubes-client-'));
  tls = await devCertificate(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A port nobody listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('connect()', () => {
  it('reaches https://localhost by name: SNI and the certificate’s DNS name (RFC 6066 §3)', async () => {
    const server = await serve((r) => new Response(`${r.method} ${new URL(r.url).host}`), { tls });
    try {
      const client = await connect(`https://localhost:${server.port}`, { tls: { ca: tls.cert } });
      const res = await client.fetch('/x');
      expect(await res.text()).toBe(`GET localhost:${server.port}`);
      await client.close();
    } finally {
      await server.close(100);
    }
  });

  it('refuses a request for another origin than the connected one', async () => {
    const server = await serve(() => new Response('x'));
    try {
      const client = await connect(server.url);
      await expect(client.fetch('http://other.test/')).rejects.toThrow(
        `this client is connected to http://127.0.0.1:${server.port}, not http://other.test`,
      );
      await client.close();
    } finally {
      await server.close(100);
    }
  });

  it('rejects with the socket’s error when nothing listens on the https port', async () => {
    const port = await closedPort();
    await expect(connect(`https://127.0.0.1:${port}`)).rejects.toMatchObject({ code: 'ECONNREFUSED', port });
  });

  it('uses the default ports of the scheme when the origin names none (RFC 9110 §4.2)', async () => {
    // Nothing listens on 80 or 443 on the test machine: the refused port says which one was tried.
    const probe = async (port: number): Promise<boolean> =>
      new Promise((resolve) => {
        const s = net.connect({ host: '127.0.0.1', port }, () => {
          s.destroy();
          resolve(true);
        });
        s.on('error', () => resolve(false));
      });
    if ((await probe(80)) || (await probe(443))) return; // something listens there: nothing to learn
    await expect(connect('http://127.0.0.1')).rejects.toMatchObject({ code: 'ECONNREFUSED', port: 80 });
    await expect(connect('https://127.0.0.1')).rejects.toMatchObject({ code: 'ECONNREFUSED', port: 443 });
  });
});
