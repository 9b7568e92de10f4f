/**
 * `connect(origin).fetch` against servers no one here wrote: node:http2 (h2c and TLS) and nghttpd.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, statSync } from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, devCertificate } from '../src/index.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function nodeServer(secure: false | { cert: string; key: string }): Promise<string> {
  const server = secure ? http2.createSecureServer(secure) : http2.createServer();
  server.on('stream', (stream, headers) => {
    const hash = createHash('sha256');
    let bytes = 0;
    stream.on('data', (c: Buffer) => {
      hash.update(c);
      bytes += c.length;
    });
    stream.on('end', () => {
      stream.respond({
        ':status': 200,
        'content-type': 'application/json',
        'x-method': String(headers[':method']),
      });
      stream.end(
        JSON.stringify({
          path: headers[':path'],
          bytes,
          sha256: hash.digest('hex'),
          ua: headers['user-agent'] ?? null,
        }),
      );
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
      resolve(`${secure ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`);
    }),
  );
}

describe('connect(origin).fetch', () => {
  it('GETs and POSTs over h2c against node:http2, many requests multiplexed on one connection', async () => {
    const origin = await nodeServer(false);
    const client = await connect(origin);
    cleanups.push(() => client.close());
    const res = await client.fetch('/hello?x=1', { headers: { 'user-agent': 'h2tubes-test' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ path: '/hello?x=1', bytes: 0, ua: 'h2tubes-test' });
    const body = new Uint8Array(3 * 1024 * 1024).fill(5);
    const post = await client.fetch('/up', { method: 'POST', body });
    expect(await post.json()).toMatchObject({
      bytes: body.length,
      sha256: createHash('sha256').update(body).digest('hex'),
    });
    // A Request as input keeps its own method, headers and body.
    const viaRequest = await client.fetch(
      new Request(`${origin}/req`, {
        method: 'POST',
        headers: { 'user-agent': 'from-request' },
        body: 'abc',
      }),
    );
    expect(viaRequest.headers.get('x-method')).toBe('POST');
    expect(await viaRequest.json()).toMatchObject({ path: '/req', bytes: 3, ua: 'from-request' });
    const many = await Promise.all(
      Array.from({ length: 50 }, (_, i) => client.fetch(`/${i}`).then((r) => r.json())),
    );
    expect(many.map((m) => m.path)).toEqual(Array.from({ length: 50 }, (_, i) => `/${i}`));
  });

  it('negotiates h2 over TLS with ALPN against node:http2', async () => {
    const cert = await devCertificate(
      path.join(mkdtempSync(path.join(tmpdir(), 'h2tubes-client-')), 'certs'),
    );
    const client = await connect(await nodeServer({ cert: cert.cert, key: cert.key }), {
      tls: { ca: cert.cert },
    });
    cleanups.push(() => client.close());
    const res = await client.fetch('/tls');
    expect(res.headers.get('x-method')).toBe('GET');
    expect((await res.json()).path).toBe('/tls');
  });

  it('says so when a TLS server does not offer HTTP/2 (an HTTP/1.1-only node:https server)', async () => {
    const cert = await devCertificate(
      path.join(mkdtempSync(path.join(tmpdir(), 'h2tubes-client-')), 'certs'),
    );
    const server = https.createServer({ cert: cert.cert, key: cert.key }, (_req, res) => res.end('h1'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await expect(connect(origin, { tls: { ca: cert.cert } })).rejects.toThrow(
      `${origin} does not offer HTTP/2`,
    );
  });

  /** nghttpd lives in /usr/sbin on Debian, which is not on every PATH: use the path found. */
  const nghttpd = ['/usr/sbin/nghttpd', '/usr/bin/nghttpd', '/usr/local/bin/nghttpd'].find((p) => {
    try {
      return statSync(p).isFile();
    } catch {
      return false;
    }
  });
  if (nghttpd === undefined && process.env.CI)
    throw new Error('nghttpd is required in CI (npm run setup installs nghttp2-server)');
  const hasNghttpd = nghttpd !== undefined;

  it.skipIf(!hasNghttpd)(
    'fetches from nghttpd (nghttp2 server, h2c)',
    async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'h2tubes-nghttpd-'));
      const { writeFileSync } = await import('node:fs');
      writeFileSync(path.join(dir, 'index.html'), 'served by nghttpd\n');
      // nghttpd takes a port number, not 0: a random one, and another if it exits (port taken). On a
      // loaded machine it can take seconds to listen, so each attempt waits up to 15 s.
      let client: Awaited<ReturnType<typeof connect>> | undefined;
      for (let attempt = 0; attempt < 3 && client === undefined; attempt++) {
        const port = 20_000 + Math.floor(Math.random() * 20_000);
        const child = spawn(nghttpd!, ['--no-tls', '-d', dir, '-a', '127.0.0.1', String(port)], {
          stdio: 'ignore',
        });
        let exited = false;
        child.once('exit', () => {
          exited = true;
        });
        cleanups.push(() => {
          child.kill();
        });
        for (let i = 0; i < 150 && client === undefined && !exited; i++) {
          client = await connect(`http://127.0.0.1:${port}`).catch(async () => {
            await new Promise((r) => setTimeout(r, 100));
            return undefined;
          });
        }
      }
      expect(client).toBeDefined();
      cleanups.push(() => client!.close());
      const res = await client!.fetch('/index.html');
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('served by nghttpd\n');
    },
    60_000,
  );
});
