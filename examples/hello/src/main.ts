/**
 * `pnpm start`: the hello site over TLS HTTP/2 (with HTTP/1.1 fallback) and h2c on a second port.
 * PORT (default 8443) and H2C_PORT (default 8080) choose the ports; HOST the interface.
 */
import { fileURLToPath } from 'node:url';
import { devCertificate, earlyHints, serve } from '@h2tubes/web-adapter';
import { createApp } from './app.js';

const port = Number(process.env.PORT ?? 8443);
const h2cPort = Number(process.env.H2C_PORT ?? 8080);
const hostname = process.env.HOST ?? '127.0.0.1';

// A development certificate made at first start and reused afterwards (git-ignored).
const cert = await devCertificate(fileURLToPath(new URL('../.certs/', import.meta.url)));
const server = await serve(createApp(earlyHints), {
  hostname,
  port,
  h2cPort,
  tls: { cert: cert.cert, key: cert.key },
});

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
