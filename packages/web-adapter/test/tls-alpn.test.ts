import { mkdtemp, rm } from 'node:fs/promises';
import * as https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { EMPTY } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type DevCertificate, devCertificate } from '../src/dev-certificate.js';
import { serve } from '../src/serve.js';
import type { Server } from '../src/server-lifecycle.js';

let cert: DevCertificate;
let dir: string;
let server: Server | undefined;
let h2Sockets: Duplex[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'h2tubes-tls-'));
  cert = await devCertificate(dir);
});
afterAll(() => rm(dir, { recursive: true, force: true }));
afterEach(async () => {
  await server?.close(100);
  server = undefined;
  h2Sockets = [];
});

async function start(h2cPort?: number): Promise<Server> {
  server = await serve((req) => new Response(`hello over ${new URL(req.url).protocol}`), {
    tls: { cert: cert.cert, key: cert.key },
    ...(h2cPort === undefined ? {} : { h2cPort }),
    acceptH2: (socket) => {
      h2Sockets.push(socket);
      return EMPTY;
    },
  });
  return server;
}

const clients: tls.TLSSocket[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
});

function alpn(port: number, protocols: string[] | undefined): Promise<string | false | null> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect(
      {
        host: '127.0.0.1',
        port,
        ca: cert.cert,
        servername: 'localhost',
        ...(protocols ? { ALPNProtocols: protocols } : {}),
      },
      () => {
        resolve(socket.alpnProtocol);
      },
    );
    clients.push(socket);
    socket.on('error', reject);
  });
}

describe('TLS listener with ALPN (RFC 7301, RFC 9113 §3.2)', () => {
  it('offers h2 first to a client that offers h2 and http/1.1, and hands the socket to HTTP/2', async () => {
    const s = await start();
    expect(await alpn(s.port, ['h2', 'http/1.1'])).toBe('h2');
    await vi.waitFor(() => expect(h2Sockets.length).toBe(1));
  });

  it('picks http/1.1 for an http/1.1-only client', async () => {
    const s = await start();
    expect(await alpn(s.port, ['http/1.1'])).toBe('http/1.1');
  });

  it('serves an https (http/1.1) client through node:http on the same port', async () => {
    const s = await start();
    const body = await new Promise<string>((resolve, reject) => {
      https
        .get(
          { host: '127.0.0.1', port: s.port, path: '/', ca: cert.cert, servername: 'localhost' },
          (res) => {
            let text = '';
            res.on('data', (c: Buffer) => {
              text += c.toString();
            });
            res.on('end', () => resolve(text));
          },
        )
        .on('error', reject);
    });
    expect(body).toBe('hello over https:');
    expect(s.url).toBe(`https://127.0.0.1:${s.port}/`);
  });

  it('also listens for cleartext on h2cPort and reports both addresses', async () => {
    const s = await start(0);
    expect(s.addresses.map((a) => a.protocol)).toEqual(['https', 'http']);
    const h2c = s.addresses[1];
    const res = await fetch(h2c?.url ?? '');
    expect(await res.text()).toBe('hello over http:');
  });
});
