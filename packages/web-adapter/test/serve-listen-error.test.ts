/**
 * `serve()` on a port in use rejects with a `ListenError` naming the address, the port and the
 * code, and only after closing the listener it had already bound (here the TLS one, bound before
 * the taken h2c port): nothing is left holding a port or able to fail later unheard.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { devCertificate } from '../src/dev-certificate.js';
import { ListenError } from '../src/listen-error.js';
import { serve } from '../src/serve.js';

const dir = mkdtempSync(path.join(tmpdir(), 'h2tubes-listen-'));
let taken: net.Server;
let takenPort: number;

function listen(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}

function closeServer(s: net.Server): Promise<void> {
  return new Promise((resolve) => s.close(() => resolve()));
}

beforeAll(async () => {
  taken = await listen(0);
  takenPort = (taken.address() as net.AddressInfo).port;
});

afterAll(async () => {
  await closeServer(taken);
  rmSync(dir, { recursive: true, force: true });
});

it('rejects with ListenError for the taken port after closing the TLS listener it had bound', async () => {
  const cert = await devCertificate(path.join(dir, 'certs'));
  // A port that is free now, for the TLS listener that binds first.
  const probe = await listen(0);
  const tlsPort = (probe.address() as net.AddressInfo).port;
  await closeServer(probe);

  const failure = await serve(() => new Response('unused'), {
    port: tlsPort,
    h2cPort: takenPort,
    tls: { cert: cert.cert, key: cert.key },
  }).then(
    () => undefined,
    (e: unknown) => e,
  );

  expect(failure).toBeInstanceOf(ListenError);
  const error = failure as ListenError;
  expect(error).toMatchObject({ hostname: '127.0.0.1', port: takenPort, code: 'EADDRINUSE' });
  expect(error.message).toBe(
    `cannot listen on 127.0.0.1:${takenPort}: the port is already in use (EADDRINUSE)`,
  );
  // The TLS port is free again once serve() has rejected.
  await closeServer(await listen(tlsPort));
});
