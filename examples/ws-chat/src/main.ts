/**
 * `pnpm start`: the chat over TLS HTTP/2 (WebSockets by extended CONNECT, RFC 8441) with HTTP/1.1
 * fallback (WebSockets by Upgrade), and h2c/HTTP/1.1 cleartext on a second port.
 * PORT (default 8443) and H2C_PORT (default 8080) choose the ports.
 */
import { fileURLToPath } from 'node:url';
import { devCertificate, serve } from '@h2tubes/web-adapter';
import { createChatApp } from './app.js';

const certDir = fileURLToPath(new URL('../.certs/', import.meta.url));
const cert = await devCertificate(certDir);
const server = await serve(createChatApp(), {
  port: Number(process.env.PORT ?? 8443),
  h2cPort: Number(process.env.H2C_PORT ?? 8080),
  tls: { cert: cert.cert, key: cert.key },
});
const [tls, h2c] = server.addresses;
console.log(`ws-chat: open ${tls?.url} (HTTP/2: the WebSocket uses extended CONNECT)`);
console.log(`ws-chat: or ${h2c?.url} (cleartext: browsers use HTTP/1.1 and an Upgrade)`);
const stop = (): void => void server.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
