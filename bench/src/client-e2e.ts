/**
 * End-to-end, client side: N small GETs, C in flight at a time, over one h2c connection to the
 * same node:http2 server, sent by node:http2's client and by ours (the h2-flow `clientConnection`
 * and the Fetch-shaped `connect().fetch`), one after the other in each round; prints requests/s
 * and the ratio to node:http2's client measured in the same run. The server runs in a child process,
 * so each row's time is its client's own.
 *
 *   node bench/dist/client-e2e.js [requests=50000] [inFlight=100] [rounds=3]
 */
import { spawn } from 'node:child_process';
import http2 from 'node:http2';
import net from 'node:net';
import { clientConnection } from '@h2tubes/h2-flow';
import { connect } from '@h2tubes/web-adapter';
import { firstValueFrom, lastValueFrom } from 'rxjs';

/** The node:http2 server of the child process; prints its port. */
const SERVER = `
  const http2 = require('node:http2');
  const server = http2.createServer();
  server.on('stream', (stream) => {
    stream.respond({ ':status': 200, 'content-type': 'text/plain' });
    stream.end('hello, h2\\n');
  });
  server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

async function startServer(): Promise<{ port: number; close(): void }> {
  const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', (line: Buffer) => resolve(Number(line.toString().trim())));
  });
  return { port, close: () => child.kill() };
}

/** Runs `one()` `total` times with at most `inFlight` pending; returns requests/s. */
async function drive(total: number, inFlight: number, one: () => Promise<void>): Promise<number> {
  let started = 0;
  const started$ = performance.now();
  const lane = async (): Promise<void> => {
    while (started < total) {
      started++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  return total / ((performance.now() - started$) / 1000);
}

type Client = { name: string; run(total: number, inFlight: number): Promise<number> };

function nodeClient(origin: string): Client {
  return {
    name: 'node:http2 client',
    async run(total, inFlight) {
      const session = http2.connect(origin);
      await new Promise((r) => session.once('connect', r));
      const rps = await drive(
        total,
        inFlight,
        () =>
          new Promise<void>((resolve, reject) => {
            const req = session.request({ ':path': '/' });
            req.on('data', () => {});
            req.on('end', resolve);
            req.on('error', reject);
          }),
      );
      session.close();
      return rps;
    },
  };
}

function h2flowClient(port: number): Client {
  return {
    name: 'h2tubes clientConnection',
    async run(total, inFlight) {
      const socket = net.connect(port, '127.0.0.1');
      await new Promise((r) => socket.once('connect', r));
      const session = clientConnection(socket);
      const rps = await drive(total, inFlight, async () => {
        const res = await firstValueFrom(
          session.request({ method: 'GET', scheme: 'http', authority: `127.0.0.1:${port}`, path: '/' }),
        );
        await lastValueFrom(res.body.chunks, { defaultValue: undefined });
      });
      session.close();
      await session.closed;
      return rps;
    },
  };
}

function fetchClient(origin: string): Client {
  return {
    name: 'h2tubes connect().fetch',
    async run(total, inFlight) {
      const client = await connect(origin);
      const rps = await drive(total, inFlight, async () => {
        await (await client.fetch('/')).text();
      });
      await client.close();
      return rps;
    },
  };
}

export async function run(
  requests = Number(process.argv[2] ?? 50_000),
  inFlight = Number(process.argv[3] ?? 100),
  rounds = Number(process.argv[4] ?? 3),
) {
  const server = await startServer();
  const port = server.port;
  const origin = `http://127.0.0.1:${port}`;
  const clients = [nodeClient(origin), h2flowClient(port), fetchClient(origin)];
  const rps: number[][] = clients.map(() => []);
  try {
    for (const c of clients) await c.run(2_000, inFlight); // warm-up
    for (let round = 1; round <= rounds; round++) {
      const line: string[] = [];
      for (const [i, c] of clients.entries()) {
        const r = await c.run(requests, inFlight);
        rps[i]?.push(r);
        line.push(`${c.name} ${r.toFixed(0)}`);
      }
      console.log(`round ${round}: ${line.join(', ')}`);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
    const base = median(rps[0] ?? []);
    console.log(
      `${requests} GETs, ${inFlight} in flight, one connection to node:http2, median of ${rounds} rounds:`,
    );
    for (const [i, c] of clients.entries()) {
      const m = median(rps[i] ?? []);
      console.log(
        `  ${c.name.padEnd(28)} ${m.toFixed(0).padStart(7)} req/s  ratio to node:http2 ${(m / base).toFixed(2)}`,
      );
    }
  } finally {
    server.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
