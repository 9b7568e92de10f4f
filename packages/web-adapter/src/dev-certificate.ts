import { execFile } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A certificate and its private key, PEM-encoded, ready for `tls` options. */
export interface DevCertificate {
  readonly cert: string;
  readonly key: string;
  /** Where they are stored. */
  readonly certPath: string;
  readonly keyPath: string;
}

/** Options of `devCertificate`. */
export interface DevCertificateOptions {
  /** The openssl executable. Default 'openssl' (found on PATH). */
  readonly openssl?: string;
  /** Validity in days. Default 365. */
  readonly days?: number;
}

/**
 * A self-signed certificate for `localhost` and `127.0.0.1` (and `::1`), for development only.
 * Made with the `openssl` CLI into `dir` at first call (an EC P-256 key: fast handshakes) and
 * reused afterwards. Rejects with a clear message when openssl is not installed.
 *
 * @example
 * const tls = await devCertificate(new URL('../.cert', import.meta.url).pathname);
 * await serve(app, { tls, port: 8443 });
 */
export async function devCertificate(
  dir: string,
  options: DevCertificateOptions = {},
): Promise<DevCertificate> {
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  const existing = await readPair(certPath, keyPath);
  if (existing !== undefined) return existing;
  await mkdir(dir, { recursive: true });
  const args = [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    String(options.days ?? 365),
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
    '-keyout',
    keyPath,
    '-out',
    certPath,
  ];
  const openssl = options.openssl ?? 'openssl';
  await new Promise<void>((resolve, reject) => {
    execFile(openssl, args, (error, _stdout, stderr) => {
      if (error === null) return resolve();
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      reject(
        new Error(
          missing
            ? `devCertificate: the '${openssl}' command was not found; install OpenSSL (e.g. apt-get install openssl) or pass your own certificate`
            : `devCertificate: openssl failed: ${String(stderr).trim() || error.message}`,
          { cause: error },
        ),
      );
    });
  });
  const made = await readPair(certPath, keyPath);
  if (made === undefined) throw new Error(`devCertificate: openssl did not write ${certPath}`);
  return made;
}

async function readPair(certPath: string, keyPath: string): Promise<DevCertificate | undefined> {
  try {
    const [cert, key] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
    return { cert, key, certPath, keyPath };
  } catch {
    return undefined;
  }
}
