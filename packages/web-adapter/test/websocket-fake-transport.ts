import { encodeFrame, FrameParser, Opcode } from '@h2tubes/websocket/core';
import type { Outbox } from '../src/websocket/outbox.js';
import { ServerWebSocket, type WebSocketOptions } from '../src/websocket/server-websocket.js';
import type { ByteReceiver, WebSocketTransport } from '../src/websocket/transport.js';

const KEY = new Uint8Array([1, 2, 3, 4]);

/** A masked frame as a client sends it (RFC 6455 §5.3). */
export function clientFrame(opcode: number, payload: Uint8Array | string): Uint8Array {
  const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
  return encodeFrame({ fin: true, opcode, payload: bytes, mask: KEY });
}

export const textFrame = (s: string) => clientFrame(Opcode.Text, s);

/**
 * A transport that records what the socket does with it (credit returned, pauses, aborts) and
 * takes outgoing bytes only when the test says so, like a peer whose window is closed.
 */
export class FakeTransport implements WebSocketTransport {
  receiver!: ByteReceiver;
  outbox!: Outbox;
  acked = 0;
  paused = false;
  aborted = false;
  readonly written: Uint8Array[] = [];
  readonly pending = 0;

  start(receiver: ByteReceiver, outbox: Outbox): void {
    this.receiver = receiver;
    this.outbox = outbox;
    receiver.opened();
  }
  ack(octets: number): void {
    this.acked += octets;
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  abort(): void {
    this.aborted = true;
  }

  /** The peer's window opens: everything queued is taken. */
  takeAll(): void {
    for (let c = this.outbox.take(); c !== undefined; c = this.outbox.take()) this.written.push(c);
  }

  /** Opcodes of the frames taken so far. */
  writtenOpcodes(): number[] {
    const out: number[] = [];
    const parser = new FrameParser({ maxFrameSize: 1 << 30 });
    for (const w of this.written) parser.push(w, (f) => out.push(f.opcode));
    return out;
  }
}

/** An open server socket over a fake transport. */
export function openSocket(options: WebSocketOptions = {}): {
  socket: ServerWebSocket;
  transport: FakeTransport;
} {
  const transport = new FakeTransport();
  const socket = new ServerWebSocket(transport, 'ws://localhost/', '', 'h2', options);
  socket.start();
  return { socket, transport };
}
