import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { devCertificate } from './dev-certificate.js';

const dirs: string[] = [];
const tempDir = async (): Promise<string> => {
  const d = await mkdtemp(join(tmpdir(), 'h2tubes-cert-'));
  dirs.push(d);
  return d;
};
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('devCertificate', () => {
  it('makes a self-signed certificate for localhost and 127.0.0.1 at first call', async () => {
    const dir = await tempDir();
    const made = await devCertificate(join(dir, 'nested'));
    expect(made.key).toContain('PRIVATE KEY');
    const x509 = new X509Certificate(made.cert);
    expect(x509.subjectAltName).toContain('DNS:localhost');
    expect(x509.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(x509.checkPrivateKey((await import('node:crypto')).createPrivateKey(made.key))).toBe(true);
  });

  it('reuses the stored certificate afterwards', async () => {
    const dir = await tempDir();
    const first = await devCertificate(dir);
    const second = await devCertificate(dir, { openssl: '/nonexistent/openssl' });
    expect(second.cert).toBe(first.cert);
  });

  it('rejects with a clear message when openssl is missing', async () => {
    const dir = await tempDir();
    await expect(devCertificate(dir, { openssl: '/nonexistent/openssl' })).rejects.toThrow(
      /not found; install OpenSSL/,
    );
  });
});
