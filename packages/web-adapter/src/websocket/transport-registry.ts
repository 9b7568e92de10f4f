import type { Duplex } from 'node:stream';
import type { ServerExchange } from '@h2tubes/h2-flow';
import type { Pullable } from '@h2tubes/tubes';
import type { OpenWebSockets } from './open-websockets.js';
import type { ServerWebSocket } from './server-websocket.js';

/** An extended CONNECT stream (RFC 8441) a WebSocket may take over. */
export interface H2UpgradeSource {
  readonly kind: 'h2';
  readonly exchange: ServerExchange;
  /** The server's open WebSockets (closed with 1001 when it shuts down), if it tracks them. */
  readonly openSockets?: OpenWebSockets;
  /** The WebSocket `upgradeWebSocket` made for this stream, until the handler returns its response. */
  pending?: PendingH2WebSocket;
}

/** A WebSocket made for an extended CONNECT, and its frames: the 200's body once the handler answers with it. */
export interface PendingH2WebSocket {
  readonly socket: ServerWebSocket;
  readonly body: Pullable<Uint8Array>;
}

/** An HTTP/1.1 request with `Upgrade` whose socket node:http has handed over (RFC 6455 §4.2.1). */
export interface H1UpgradeSource {
  readonly kind: 'h1';
  readonly socket: Duplex;
  /** Bytes node:http read past the request head: the first WebSocket frames, maybe. */
  readonly head: Uint8Array;
  /** The server's open WebSockets (closed with 1001 when it shuts down), if it tracks them. */
  readonly openSockets?: OpenWebSockets;
  /** The socket `upgradeWebSocket` made for this request, started if the handler returns its response. */
  socketOpened?: ServerWebSocket;
}

export type UpgradeSource = H2UpgradeSource | H1UpgradeSource;

const kUpgrade = Symbol('h2tubes.webSocketUpgrade');
type WithUpgrade = { [kUpgrade]?: UpgradeSource };

/**
 * Registers the transport behind a request that may become a WebSocket (internal to the
 * transports: the HTTP/2 exchange for an extended CONNECT, the socket for an HTTP/1.1 Upgrade).
 */
export function attachUpgradeSource(request: Request, source: UpgradeSource): void {
  (request as WithUpgrade)[kUpgrade] = source;
}

/** What `attachUpgradeSource` registered for `request`, if anything. */
export function upgradeSource(request: Request): UpgradeSource | undefined {
  return (request as WithUpgrade)[kUpgrade];
}

/** The HTTP/2 side calls this for every request: only extended CONNECT ones are registered. */
export function attachExchangeIfConnect(
  request: Request,
  exchange: ServerExchange,
  openSockets?: OpenWebSockets,
): void {
  if (exchange.protocol !== undefined) attachUpgradeSource(request, { kind: 'h2', exchange, openSockets });
}
