/**
 * Runs the frame inspector: `PORT` (default 8081) relays to `BACKEND` (default 127.0.0.1:8080,
 * the h2c port of examples/hello) and prints every frame both ways.
 */
import { startFrameInspector } from './frame-inspector.js';

const [host = '127.0.0.1', backendPort = '8080'] = (process.env.BACKEND ?? '127.0.0.1:8080').split(':');
const inspector = await startFrameInspector({
  port: Number(process.env.PORT ?? 8081),
  backend: { host, port: Number(backendPort) },
});
console.log(`frame inspector on ${inspector.url} → ${host}:${backendPort}`);
console.log(`try: curl --http2-prior-knowledge ${inspector.url}`);
const stop = (): void => {
  void inspector.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
