/**
 * Certificate and key problems given to `h2tubes serve --cert --key` name the file and what is
 * wrong with it: missing, not PEM, or a key of another certificate. The CLI says it in one line
 * and exits 1.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { readCertificateFiles } from '../src/cli/certificate-files.js';
import { CliError } from '../src/cli/cli-error.js';
import { type DevCertificate, devCertificate } from '../src/dev-certificate.js';
import { CLI, type CliRun, FIXTURES, startNode, stop } from './cli-process.js';

const dir = mkdtempSync(path.join(tmpdir(), 'h2tubes-cli-cert-'));
const notPem = path.join(dir, 'not-pem.txt');
let one: DevCertificate;
let other: DevCertificate;
let cli: CliRun | undefined;

beforeAll(async () => {
  writeFileSync(notPem, 'this is not a PEM file\n');
  one = await devCertificate(path.join(dir, 'one'));
  other = await devCertificate(path.join(dir, 'other'));
});

afterEach(async () => {
  await stop(cli);
  cli = undefined;
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

it('reads a matching pair and tells a self-signed certificate', async () => {
  const files = await readCertificateFiles(one.certPath, one.keyPath);
  expect(files).toMatchObject({ cert: one.cert, key: one.key, certPath: one.certPath, selfSigned: true });
});

it('names a certificate file that is not PEM', async () => {
  expect(await failure(notPem, one.keyPath)).toMatch(
    new RegExp(`^the certificate file ${notPem} holds no PEM certificate`),
  );
});

it('names a key file that is not PEM', async () => {
  expect(await failure(one.certPath, notPem)).toMatch(
    new RegExp(`^the key file ${notPem} holds no usable PEM private key`),
  );
});

it('says which key does not belong to which certificate', async () => {
  expect(await failure(one.certPath, other.keyPath)).toBe(
    `the key in ${other.keyPath} does not belong to the certificate in ${one.certPath}`,
  );
});

it('says in one line, exit 1, that the certificate file given to the CLI does not exist', async () => {
  const missing = path.join(dir, 'missing.pem');
  cli = startNode(CLI, [
    'serve',
    path.join(FIXTURES, 'bare-function.js'),
    '--port',
    '0',
    '--h2c-port',
    '0',
    '--cert',
    missing,
    '--key',
    one.keyPath,
  ]);
  expect(await cli.exited).toBe(1);
  expect(cli.stderr).toBe(`h2tubes: cannot read the certificate file ${missing}: no such file\n`);
});

it('asks for the key when only the certificate is given (H2TUBES_CERT)', async () => {
  cli = startNode(CLI, ['serve', path.join(FIXTURES, 'bare-function.js')], { H2TUBES_CERT: one.certPath });
  expect(await cli.exited).toBe(1);
  expect(cli.stderr).toBe(
    'h2tubes: a certificate (--cert or H2TUBES_CERT) needs its key too: --key or H2TUBES_KEY\n',
  );
});
