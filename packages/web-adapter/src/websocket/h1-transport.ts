import type { Duplex } from 'node:stream';
import type { Outbox } from './outbox.js';
import type { ByteReceiver, WebSocketTransport } from './transport.js';

/**
 * A WebSocket over the TCP socket of an HTTP/1.1 Upgrade (RFC 6455 §4). `head` is the 101
 * response, written first. Frames are written while `write` accepts them and wait for 'drain'
 * otherwise; reading pauses while the application holds unconsumed messages (TCP backpressure).
 */
export class H1Transport implements WebSocketTransport {
  constructor(
    private readonly socket: Duplex,
    private readonly responseHead: string,
    private readonly early: Uint8Array,
  ) {}

  get pending(): number {
    return this.socket.writableLength;
  }

  start(receiver: ByteReceiver, outbox: Outbox, opened: () => void): void {
    const socket = this.socket;
    if (socket.destroyed) {
      queueMicrotask(() => receiver.error(new Error('the client went away before the upgrade')));
      return;
    }
    socket.write(this.responseHead);
    opened();
    const flush = (): void => {
      for (;;) {
        if (socket.destroyed) return;
        const chunk = outbox.take();
        if (chunk === undefined) break;
        if (!socket.write(chunk)) {
          socket.once('drain', flush);
          return;
        }
      }
      // RFC 6455 §7.1.1: after the close handshake the server closes the TCP connection first.
      if (outbox.ended) socket.end();
      else outbox.onReady(flush);
    };
    flush();
    if (this.early.length > 0) receiver.chunk(this.early);
    socket.on('data', (c: Buffer) => receiver.chunk(new Uint8Array(c.buffer, c.byteOffset, c.byteLength)));
    socket.once('end', () => receiver.end());
    socket.once('error', (e) => receiver.error(e));
    socket.once('close', () => receiver.error(new Error('the connection closed')));
  }

  ack(): void {}

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  abort(): void {
    this.socket.destroy();
  }
}
