/**
 * `readCertificateFiles` (the CLI's --cert/--key) in-process: each way a file cannot be read is
 * named in the one-line CliError (the CLI-process tests see only the missing-file case, and their
 * coverage is not measured).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readCertificateFiles } from '../src/cli/certificate-files.js';
import { CliError } from '../src/cli/cli-error.js';
import { type DevCertificate, devCertificate } from '../src/dev-certificate.js';

const dir = mkdtempSync(path.join(tmpdir(), 'h2tubes-cert-read-'));
const plainFile = path.join(dir, 'plain.txt');
let pair: DevCertificate;

beforeAll(async () => {
  writeFileSync(plainFile, 'x\n');
  pair = await devCertificate(path.join(dir, 'pair'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function failure(certPath: string, keyPath: string): Promise<string> {
  const e = await readCertificateFiles(certPath, keyPath).then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(e).toBeInstanceOf(CliError);
  return (e as CliError).message;
}

it('says "no such file" for a missing certificate', async () => {
  const missing = path.join(dir, 'missing.pem');
  expect(await failure(missing, pair.keyPath)).toBe(
    `cannot read the certificate file ${missing}: no such file`,
  );
});

it('says "it is a directory" for a key path that is a directory', async () => {
  expect(await failure(pair.certPath, dir)).toBe(
    `cannot read the private key file ${dir}: it is a directory`,
  );
});

it('gives the system’s words for other failures (a path through a plain file: ENOTDIR)', async () => {
  const through = path.join(plainFile, 'cert.pem');
  expect(await failure(through, pair.keyPath)).toMatch(
    new RegExp(
      `^cannot read the certificate file ${through.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ENOTDIR`,
    ),
  );
});
