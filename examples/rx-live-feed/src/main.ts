/**
 * `node examples/rx-live-feed/dist/main.js`: a demo ticker streamed as server-sent events over
 * TLS HTTP/2 (PORT, default 8444; a development certificate is made at first start) and h2c
 * (H2C_PORT, default 8081). Requests arrive as an Observable (`serveRx`) and go through the
 * app's own operators.
 */
import { fileURLToPath } from 'node:url';
import { devCertificate, type Server, serveRx } from '@h2tubes/web-adapter';
import { tap } from 'rxjs';
import { createLiveFeed } from './app.js';
import { ticker } from './ticker.js';

const hostname = process.env.HOST ?? '127.0.0.1';
const cert = await devCertificate(fileURLToPath(new URL('../.certs/', import.meta.url)));
const feed = createLiveFeed(ticker('H2T', 200));

const onListening = (server: Server): void => {
  const [tlsAddress, h2cAddress] = server.addresses;
  console.log(`rx-live-feed: open ${tlsAddress?.url} in a browser (HTTP/2 over TLS)`);
  console.log(`try:          curl -N --http2-prior-knowledge ${h2cAddress?.url}feed`);
  console.log(`              curl --http2-prior-knowledge ${h2cAddress?.url}stats`);
};

const subscription = serveRx({
  hostname,
  port: Number(process.env.PORT ?? 8444),
  h2cPort: Number(process.env.H2C_PORT ?? 8081),
  tls: { cert: cert.cert, key: cert.key },
  gracefulTimeoutMs: 1000, // feeds never finish on their own
  onListening,
})
  .pipe(tap(({ request, respond }) => respond(feed.respond(request))))
  .subscribe({ error: (e: unknown) => console.error('rx-live-feed:', e) });

// Unsubscribing closes the server gracefully (GOAWAY, then the feeds are cut after 1 s).
const stop = (signal: string): void => {
  console.log(`rx-live-feed: ${signal}, closing`);
  subscription.unsubscribe();
  setTimeout(() => process.exit(0), 1500).unref();
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
