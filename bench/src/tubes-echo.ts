/**
 * Bytes through socket → three tubes (length-prefixed split, a pass-through, re-frame) → socket
 * on loopback, against a raw `socket.pipe(socket)` echo, alternating in one run. 64 KiB frames.
 *
 *   node bench/dist/tubes-echo.js [megabytes=512] [rounds=3]
 */
import net, { type AddressInfo } from 'node:net';
import {
  encodeLengthPrefixed,
  prefixLength,
  socketDrain,
  socketFount,
  splitLengthPrefixed,
} from '@h2tubes/tubes';
import { map } from 'rxjs';

const FRAME = 64 * 1024;

function startServer(kind: 'raw' | 'tubes'): Promise<net.Server> {
  const server = net.createServer((socket) => {
    if (kind === 'raw') {
      socket.pipe(socket);
      return;
    }
    const fount = socketFount(socket);
    fount
      .pipe(
        splitLengthPrefixed({ prefixLength: 4, maxLength: FRAME }),
        map((body) => body), // a pass-through stage
        prefixLength(4), // re-frame without copying the body
        socketDrain(socket, { pause: () => fount.pauseFlow('peer not reading') }),
      )
      .subscribe({ error: () => socket.destroy() });
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

/** Sends `megabytes` of framed data and waits for all of it to come back; returns MB/s. */
function echo(port: number, megabytes: number): Promise<number> {
  const frame = encodeLengthPrefixed(new Uint8Array(FRAME).fill(7), 4);
  const total = Math.floor((megabytes * 1024 * 1024) / frame.length) * frame.length;
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const socket = net.connect(port, '127.0.0.1');
    let received = 0;
    let sent = 0;
    socket.on('data', (c: Buffer) => {
      received += c.length;
      if (received >= total) {
        socket.destroy();
        resolve(total / 1e6 / ((performance.now() - t0) / 1000));
      }
    });
    socket.on('error', reject);
    const pump = (): void => {
      while (sent < total) {
        sent += frame.length;
        if (!socket.write(frame)) return void socket.once('drain', pump);
      }
    };
    socket.once('connect', pump);
  });
}

export async function run(
  megabytes = Number(process.argv[2] ?? 512),
  rounds = Number(process.argv[3] ?? 3),
): Promise<void> {
  const raw = await startServer('raw');
  const tubes = await startServer('tubes');
  const rawPort = (raw.address() as AddressInfo).port;
  const tubesPort = (tubes.address() as AddressInfo).port;
  await echo(rawPort, 32);
  await echo(tubesPort, 32);
  const r: number[] = [];
  const t: number[] = [];
  for (let i = 0; i < rounds; i++) {
    r.push(await echo(rawPort, megabytes));
    t.push(await echo(tubesPort, megabytes));
    console.log(
      `round ${i + 1}: raw pipe ${r[i]!.toFixed(0)} MB/s, tubes ${t[i]!.toFixed(0)} MB/s, ratio ${(t[i]! / r[i]!).toFixed(2)}`,
    );
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const ratios = t.map((x, i) => x / r[i]!);
  console.log(
    `tubes echo, ${megabytes} MB of 64 KiB frames: median raw ${median(r).toFixed(0)} MB/s, tubes ${median(t).toFixed(0)} MB/s, median per-round ratio ${median(ratios).toFixed(2)}`,
  );
  raw.close();
  tubes.close();
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
