/**
 * @h2tubes/websocket: WebSockets (RFC 6455). `./core` is the sans-I/O codec (see core.ts);
 * `webSocketTube` runs it as a bytes-to-bytes tube.
 */
export * from './core.js';
export { webSocketOnSocket } from './tubes/websocket-on-socket.js';
export {
  DEFAULT_CLOSE_TIMEOUT_MS,
  type WebSocketConnection,
  type WebSocketTubeOptions,
  webSocketTube,
} from './tubes/websocket-tube.js';
