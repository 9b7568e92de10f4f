/**
 * A TCP line-chat server built from @h2tubes/tubes alone (no HTTP/2): each client's bytes go
 * through `socketFount` → `splitDelimited` (lines), every line is broadcast to the other clients.
 *
 * Backpressure: a client that stops reading cannot grow the server's memory. Each client's
 * outbound bytes are bounded by `maxQueuedBytes`; a client over it is disconnected (a chat
 * cannot wait for its slowest member, and dropping lines silently would lie to it).
 */
import net, { type AddressInfo } from 'node:net';
import { socketFount, splitDelimited } from '@h2tubes/tubes';

export interface LineChatOptions {
  readonly port?: number;
  readonly host?: string;
  /** Bytes queued for one client before it is disconnected as too slow. Default 256 KiB. */
  readonly maxQueuedBytes?: number;
  /** Longest line accepted. Default 4096. */
  readonly maxLineLength?: number;
}

export interface LineChat {
  readonly port: number;
  /** Clients currently connected. */
  readonly clients: number;
  close(): Promise<void>;
}

export async function startLineChat(options: LineChatOptions = {}): Promise<LineChat> {
  const maxQueued = options.maxQueuedBytes ?? 256 * 1024;
  const maxLine = options.maxLineLength ?? 4096;
  const clients = new Map<net.Socket, string>();
  let nextId = 1;

  const broadcast = (from: net.Socket, text: string): void => {
    const bytes = Buffer.from(text);
    for (const peer of clients.keys()) {
      if (peer === from) continue;
      if (peer.writableLength + bytes.length > maxQueued) {
        peer.destroy(); // too slow: its queue would grow without bound
        continue;
      }
      peer.write(bytes);
    }
  };

  const server = net.createServer((socket) => {
    const name = `guest${nextId++}`;
    clients.set(socket, name);
    socket.write(`welcome, ${name}\n`);
    broadcast(socket, `* ${name} joined\n`);
    const sub = socketFount(socket)
      .pipe(splitDelimited({ maxLength: maxLine }))
      .subscribe({
        next: (line) =>
          broadcast(socket, `${name}: ${Buffer.from(line).toString('utf8').replace(/\r$/, '')}\n`),
        error: () => socket.destroy(), // a line over the limit, or a socket error
        complete: () => socket.end(),
      });
    socket.on('error', () => {});
    socket.on('close', () => {
      sub.unsubscribe();
      if (clients.delete(socket)) broadcast(socket, `* ${name} left\n`);
    });
  });

  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  return {
    port: (server.address() as AddressInfo).port,
    get clients() {
      return clients.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of clients.keys()) s.destroy();
        server.close(() => resolve());
      }),
  };
}
