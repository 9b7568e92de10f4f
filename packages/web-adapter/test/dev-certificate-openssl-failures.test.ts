import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { devCertificate } from '../src/dev-certificate.js';

// devCertificate runs the openssl CLI: what it says when that command fails or writes nothing,
// with stand-in commands (scripts) in place of openssl.

const dirs: string[] = [];
const tempDir = async (): Promise<string> => {
  const d = await mkdtemp(join(tmpdir(), 'h2tubes-devcert-'));
  dirs.push(d);
  return d;
};
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function script(body: string): Promise<string> {
  const path = join(await tempDir(), 'fake-openssl');
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, 0o755);
  return path;
}

describe('devCertificate when openssl fails', () => {
  it('passes on what openssl wrote to stderr', async () => {
    const openssl = await script('echo "unknown option -addext" >&2; exit 1');
    await expect(devCertificate(await tempDir(), { openssl })).rejects.toThrow(
      'devCertificate: openssl failed: unknown option -addext',
    );
  });

  it('gives the exit failure when openssl wrote nothing to stderr', async () => {
    const openssl = await script('exit 3');
    await expect(devCertificate(await tempDir(), { openssl })).rejects.toThrow(
      /^devCertificate: openssl failed: Command failed: /,
    );
  });

  it('says so when openssl succeeded but wrote no certificate', async () => {
    const dir = await tempDir();
    const openssl = await script('exit 0');
    await expect(devCertificate(dir, { openssl })).rejects.toThrow(
      `devCertificate: openssl did not write ${join(dir, 'cert.pem')}`,
    );
  });
});
