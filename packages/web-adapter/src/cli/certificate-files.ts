import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CliError } from './cli-error.js';

/** A certificate and key read from files and checked to belong together. */
export interface CertificateFiles {
  readonly cert: string;
  readonly key: string;
  readonly certPath: string;
  /** Issued by itself: clients trust it only when told to (curl --cacert). */
  readonly selfSigned: boolean;
  /** When it stops being valid (clients refuse it afterwards). */
  readonly validTo: Date;
}

/**
 * Reads a PEM certificate and private key and checks them one by one, so that the error names
 * the file that is wrong and how: missing or unreadable, not PEM, not a certificate or not a
 * key, or a key that does not belong to the certificate. Each is a `CliError`.
 *
 * @example
 * const { cert, key } = await readCertificateFiles('cert.pem', 'key.pem');
 */
export async function readCertificateFiles(certPath: string, keyPath: string): Promise<CertificateFiles> {
  const cert = await readText(certPath, 'certificate');
  const key = await readText(keyPath, 'private key');
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (e) {
    throw new CliError(`the certificate file ${certPath} holds no PEM certificate (${reason(e)})`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key);
  } catch (e) {
    throw new CliError(
      `the key file ${keyPath} holds no usable PEM private key (${reason(e)}; an encrypted key is not supported)`,
    );
  }
  if (!x509.checkPrivateKey(privateKey))
    throw new CliError(`the key in ${keyPath} does not belong to the certificate in ${certPath}`);
  return {
    cert,
    key,
    certPath,
    selfSigned: x509.checkIssued(x509),
    validTo: new Date(x509.validTo),
  };
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'it is a directory'
            : reason(e);
    throw new CliError(`cannot read the ${what} file ${path}: ${why}`);
  }
}

function reason(e: unknown): string {
  // node:fs and node:crypto throw Errors only.
  return (e as Error).message.replace(/^error:[0-9A-F]+:/i, '');
}
