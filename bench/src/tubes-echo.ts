/**
 * Bytes through socket → three tubes (length-prefixed split, a pass-through, re-frame) → socket
 * on loopback, against a raw `socket.pipe(socket)` echo, alternating in one run. 64 KiB frames.
 * Each echo server runs in a lean child process of its own (`startRowInChild`), importing only what
 * its row uses (the raw pipe no rxjs, no tubes); the client runs here.
 *
 *   node bench/dist/tubes-echo.js [megabytes=512] [rounds=3]
 */
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { listening, type Running } from './bulk-download-util.js';
import { rowToServe, serveRow, startRowInChild } from './child-process.js';

const SELF = fileURLToPath(import.meta.url);
const FRAME = 64 * 1024;

/** The echo servers, raw first; each `start` runs in a child of its own and imports what it needs. */
const SERVERS: readonly { readonly name: string; readonly start: () => Promise<Running> }[] = [
  { name: 'raw pipe', start: () => listening(net.createServer((socket) => socket.pipe(socket))) },
  {
    name: 'tubes',
    start: async () => {
      const { prefixLength, socketDrain, socketFount, splitLengthPrefixed } = await import('@h2tubes/tubes');
      const { map } = await import('rxjs');
      return listening(
        net.createServer((socket) => {
          const fount = socketFount(socket);
          fount
            .pipe(
              splitLengthPrefixed({ prefixLength: 4, maxLength: FRAME }),
              map((body) => body), // a pass-through stage
              prefixLength(4), // re-frame without copying the body
              socketDrain(socket, { pause: () => fount.pauseFlow('peer not reading') }),
            )
            .subscribe({ error: () => socket.destroy() });
        }),
      );
    },
  },
];

/** Sends `megabytes` of framed data and waits for all of it to come back; returns MB/s. */
function echo(port: number, megabytes: number): Promise<number> {
  // One frame: a 4-octet big-endian length, then the body (what `encodeLengthPrefixed(body, 4)` makes).
  const frame = Buffer.alloc(4 + FRAME, 7);
  frame.writeUInt32BE(FRAME, 0);
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
  const [raw, tubes] = (await Promise.all(SERVERS.map((_, i) => startRowInChild(SELF, i)))) as [
    Running,
    Running,
  ];
  try {
    await echo(raw.port, 32);
    await echo(tubes.port, 32);
    const r: number[] = [];
    const t: number[] = [];
    for (let i = 0; i < rounds; i++) {
      r.push(await echo(raw.port, megabytes));
      t.push(await echo(tubes.port, megabytes));
      console.log(
        `round ${i + 1}: raw pipe ${r[i]!.toFixed(0)} MB/s, tubes ${t[i]!.toFixed(0)} MB/s, ratio ${(t[i]! / r[i]!).toFixed(2)}`,
      );
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const ratios = t.map((x, i) => x / r[i]!);
    console.log(
      `tubes echo, ${megabytes} MB of 64 KiB frames: median raw ${median(r).toFixed(0)} MB/s, tubes ${median(t).toFixed(0)} MB/s, median per-round ratio ${median(ratios).toFixed(2)}`,
    );
  } finally {
    await Promise.all([raw.close(), tubes.close()]);
  }
}

const row = rowToServe();
if (row !== undefined) await serveRow(SERVERS[row]?.start);
else if (import.meta.url === `file://${process.argv[1]}`) await run();
