/**
 * `node examples/grpc-echo/dist/main.js`: the echo service over h2c (gRPC's usual cleartext
 * HTTP/2 with prior knowledge). PORT chooses the port (default 50051), HOST the interface.
 */
import { serve } from '@h2tubes/web-adapter';
import { createApp, SERVICE } from './app.js';

const server = await serve(createApp(), {
  hostname: process.env.HOST ?? '127.0.0.1',
  port: Number(process.env.PORT ?? 50051),
});
console.log(`grpc-echo: serving ${SERVICE}Echo and ${SERVICE}Repeat on ${server.url} (h2c)`);
console.log(
  `try:       printf '\\0\\0\\0\\0\\4\\n\\2hi' | curl -s --http2-prior-knowledge -H 'content-type: application/grpc' -H 'te: trailers' --data-binary @- ${server.url}h2tubes.echo.Echo/Echo | od -c`,
);

// Graceful shutdown: GOAWAY, in-flight calls finish (10 s at most), then exit.
let stopping = false;
const stop = (signal: string): void => {
  if (stopping) process.exit(1);
  stopping = true;
  console.log(`grpc-echo: ${signal}, closing gracefully`);
  server.close().then(() => process.exit(0));
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
