import type { Outbox } from './outbox.js';

/** Where a transport delivers the peer's bytes. */
export interface ByteReceiver {
  /** The WebSocket is live: the opening handshake's answer went out (once; later calls do nothing). */
  opened(): void;
  chunk(bytes: Uint8Array): void;
  /** The peer ended its side (HTTP/2 END_STREAM, TCP FIN). */
  end(): void;
  /** The transport failed (RST_STREAM, connection lost). */
  error(e: unknown): void;
}

/**
 * What a WebSocket needs from the connection under it: an HTTP/2 stream after extended CONNECT
 * (RFC 8441) or a TCP socket after an HTTP/1.1 Upgrade (RFC 6455 §4).
 */
export interface WebSocketTransport {
  /** Starts reading into `receiver` and sending what `outbox` holds; `receiver.opened()` once live. */
  start(receiver: ByteReceiver, outbox: Outbox): void;
  /** `octets` received have been consumed: return their credit (HTTP/2 WINDOW_UPDATE, §6.9). */
  ack(octets: number): void;
  /** Stop and restart reading (TCP); HTTP/2 needs nothing: withheld credit stops the peer. */
  pause(): void;
  resume(): void;
  /** Octets the transport took from the outbox but has not written yet. */
  readonly pending: number;
  /** Drop the connection now (RST_STREAM CANCEL, or destroy the socket). */
  abort(): void;
}
