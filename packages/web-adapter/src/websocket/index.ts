export { handleUpgrade } from './http1-upgrade.js';
export { OpenWebSockets } from './open-websockets.js';
export { ServerWebSocket, WebSocketCloseEvent, type WebSocketOptions } from './server-websocket.js';
export { attachExchangeIfConnect } from './transport-registry.js';
export { upgradeWebSocket, type WebSocketUpgrade } from './upgrade-websocket.js';
