/**
 * Helpers shared by the bulk-transfer, latency and memory benchmarks: medians, a listening server
 * on 127.0.0.1:0, a throw-away self-signed certificate, curl runs with a time bound, argv flags.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type net from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const run$ = promisify(execFile);

export interface Running {
  readonly port: number;
  close(): Promise<void>;
}

export const median = (xs: readonly number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/** `--name=value` from argv (numbers), else the fallback. */
export function flag(name: string, fallback: number): number {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit === undefined ? fallback : Number(hit.slice(name.length + 3));
}

/** Listens on 127.0.0.1:0; close() also destroys the sockets still open. */
export async function listening(server: net.Server): Promise<Running> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.on('secureConnection', (s: net.Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A self-signed EC certificate for 127.0.0.1 made by openssl in a temp dir (removed at once). */
export async function selfSignedCert(): Promise<{ cert: Buffer; key: Buffer }> {
  const dir = mkdtempSync(join(tmpdir(), 'h2tubes-bench-'));
  try {
    await run$('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ]);
    return { cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs curl (bounded in time) and returns its `-w` output. */
export async function curl(args: readonly string[], timeoutMs = 120_000): Promise<string> {
  const pending = run$('curl', ['-s', '-S', ...args], { timeout: timeoutMs, maxBuffer: 1 << 20 });
  pending.child.stdin?.end(); // curl telnet:// reads stdin until EOF
  return (await pending).stdout;
}

export const MiB = 1024 * 1024;
export const fmtMBs = (bytesPerSecond: number): string => `${(bytesPerSecond / MiB).toFixed(0)} MiB/s`;
