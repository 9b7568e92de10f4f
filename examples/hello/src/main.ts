/**
 * `pnpm start`: the hello site over TLS HTTP/2 (with HTTP/1.1 fallback) and h2c on a second port.
 * PORT (default 8443) and H2C_PORT (default 8080) choose the ports; HOST the interface.
 */
import { fileURLToPath } from 'node:url';
import { devCertificate, earlyHints, ListenError, type Server, serve } from '@h2tubes/web-adapter';
import { createApp } from './app.js';

/** A start-up failure said in one line with what to change, and exit status 1 (no stack trace). */
function fail(message: string): never {
  console.error(`hello: ${message}`);
  process.exit(1);
}

function portFromEnv(variable: string, fallback: number): number {
  const text = process.env[variable] ?? String(fallback);
  if (!/^\d+$/.test(text) || Number(text) > 65_535)
    fail(`${variable} must be a port number (0-65535), got "${text}"`);
  return Number(text);
}

const port = portFromEnv('PORT', 8443);
const h2cPort = portFromEnv('H2C_PORT', 8080);
const hostname = process.env.HOST ?? '127.0.0.1';

// A development certificate made at first start and reused afterwards (git-ignored).
const certDir = fileURLToPath(new URL('../.certs/', import.meta.url));
const cert = await devCertificate(certDir).catch((e: Error) => fail(e.message));
let server: Server;
try {
  server = await serve(createApp(earlyHints), {
    hostname,
    port,
    h2cPort,
    tls: { cert: cert.cert, key: cert.key },
  });
} catch (e) {
  if (e instanceof ListenError) {
    const variable =
      e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND' ? 'HOST' : e.port === port ? 'PORT' : 'H2C_PORT';
    fail(
      `${e.message}; set ${variable} to choose another${variable === 'HOST' ? ' interface' : ' port (0 picks a free one)'}`,
    );
  }
  // OpenSSL refused the certificate or key: the files in .certs/ are damaged. Anything else is a bug.
  if (!String((e as { code?: unknown }).code).startsWith('ERR_OSSL')) throw e;
  fail(
    `the development certificate in ${certDir} is not usable (${(e as Error).message}); delete that directory and a new one is made`,
  );
}

const [tlsAddress, h2cAddress] = server.addresses;
console.log(`hello: serving HTTP/2 over TLS on ${tlsAddress?.url} (HTTP/1.1 too)`);
console.log(`hello: serving h2c (prior knowledge) and HTTP/1.1 on ${h2cAddress?.url}`);
console.log(`try:   curl --http2 --cacert ${cert.certPath} ${tlsAddress?.url}api/time`);
console.log(`       curl --http2-prior-knowledge --data-binary @package.json ${h2cAddress?.url}api/upload`);

// Graceful shutdown: GOAWAY, in-flight requests finish (10 s at most), then exit.
let stopping = false;
const stop = (signal: string): void => {
  if (stopping) process.exit(1); // a second Ctrl-C does not wait
  stopping = true;
  console.log(`hello: ${signal}, closing gracefully`);
  server.close().then(() => process.exit(0));
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
