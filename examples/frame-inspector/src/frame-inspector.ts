import net, { type AddressInfo } from 'node:net';
import { socketDrain, socketFount } from '@h2tubes/tubes';
import type { OperatorFunction } from 'rxjs';
import { InspectedDirection, type Printer } from './inspect-frames.js';
import { tee } from './tee.js';

export interface FrameInspectorOptions {
  /** Where the inspector listens for HTTP/2 clients (h2c, prior knowledge). Default 0 (any free port). */
  readonly port?: number;
  readonly host?: string;
  /** The HTTP/2 server the clients' connections are relayed to. */
  readonly backend: { readonly host: string; readonly port: number };
  /** Where frame lines go. Default: stdout. */
  readonly print?: (line: string) => void;
  readonly now?: () => number;
}

export interface FrameInspector {
  readonly port: number;
  readonly url: string;
  /** Stops accepting and ends relayed connections. */
  close(): Promise<void>;
}

/**
 * A relay between HTTP/2 clients and one backend that prints every frame in both directions.
 * The bytes are relayed unchanged (what the peers see is exactly what they sent); each direction
 * is also decoded through the standard chain with a frame-logging stage inserted.
 *
 * @example
 * const inspector = await startFrameInspector({ port: 8081, backend: { host: '127.0.0.1', port: 8080 } });
 * // curl --http2-prior-knowledge http://127.0.0.1:8081/  → frames printed both ways
 */
export async function startFrameInspector(options: FrameInspectorOptions): Promise<FrameInspector> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const out: Printer = { print, now: options.now ?? (() => performance.now()) };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const backend = net.connect(options.backend.port, options.backend.host);
    for (const s of [client, backend]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      // Either side failing ends the relay for both: a half-dead relay helps no one.
      s.on('error', () => {
        client.destroy();
        backend.destroy();
      });
    }
    relay(client, backend, out);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  return {
    port,
    url: `http://${address}:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Relays one client connection to its backend connection, inspecting both directions. */
function relay(client: net.Socket, backend: net.Socket, out: Printer): void {
  const startedAt = out.now();
  const up = new InspectedDirection('client→backend', true);
  const down = new InspectedDirection('backend→client', false);
  pump(client, backend, up.label, up.decode(out, startedAt, down), out);
  pump(backend, client, down.label, down.decode(out, startedAt, up), out);
}

/**
 * One direction: bytes of `from` are written to `to` with backpressure (a slow receiver pauses
 * reading from the sender) and mirrored into `inspect`.
 */
function pump(
  from: net.Socket,
  to: net.Socket,
  label: string,
  inspect: OperatorFunction<Uint8Array, unknown>,
  out: Printer,
): void {
  // 'detach': this direction ending must not destroy the socket the other direction still uses.
  const fount = socketFount(from, { onUnsubscribe: 'detach' });
  fount
    .pipe(
      tee(inspect, (e) =>
        out.print(`${label}: cannot decode further (${(e as Error).message}); still relaying bytes`),
      ),
      socketDrain(to, { pause: () => fount.pauseFlow('receiver not reading') }),
    )
    .subscribe({ error: () => to.destroy() });
}
