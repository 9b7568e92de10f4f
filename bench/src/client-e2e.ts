/**
 * End-to-end, client side: N small GETs, C in flight at a time, over one h2c connection to the
 * same node:http2 server, sent by node:http2's client and by ours (the h2-flow `clientConnection`
 * and the Fetch-shaped `connect().fetch`), one after the other in each round; prints requests/s
 * and the ratio to node:http2's client measured in the same run. The server runs in a child process,
 * so each row's time is its client's own; each client runs in a lean child process of its own too,
 * importing only what its row uses (node:http2's client in a process that had also imported our
 * packages would be measured with their heap: V8's collections depend on the whole heap).
 *
 *   node bench/dist/client-e2e.js [requests=50000] [inFlight=100] [rounds=3]
 */
import { spawn } from 'node:child_process';
import http2 from 'node:http2';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { forkChild, stopChild } from './child-process.js';

const SELF = fileURLToPath(import.meta.url);

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

/** One client, made in its child: runs `total` GETs, `inFlight` at a time, and returns requests/s. */
type Run = (total: number, inFlight: number) => Promise<number>;

/** The client rows; each `make` runs in a child of its own and imports what it needs itself. */
const CLIENTS: readonly { readonly name: string; readonly make: (port: number) => Promise<Run> }[] = [
  { name: 'node:http2 client', make: async (port) => nodeClient(`http://127.0.0.1:${port}`) },
  { name: 'h2tubes clientConnection', make: h2flowClient },
  { name: 'h2tubes connect().fetch', make: async (port) => fetchClient(`http://127.0.0.1:${port}`) },
];

function nodeClient(origin: string): Run {
  return async (total, inFlight) => {
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
  };
}

async function h2flowClient(port: number): Promise<Run> {
  const { clientConnection } = await import('@h2tubes/h2-flow');
  const { firstValueFrom, lastValueFrom } = await import('rxjs');
  return async (total, inFlight) => {
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
  };
}

async function fetchClient(origin: string): Promise<Run> {
  const { connect } = await import('@h2tubes/web-adapter');
  return async (total, inFlight) => {
    const client = await connect(origin);
    const rps = await drive(total, inFlight, async () => {
      await (await client.fetch('/')).text();
    });
    await client.close();
    return rps;
  };
}

/** The argument that makes this module run one client row in a child instead of the benchmark. */
const CLIENT_ROW = '--client-row=';

/** In a child: makes client row `index` for the server at `port`, then runs it on each message. */
async function clientChild(index: number, port: number): Promise<void> {
  const make = CLIENTS[index]?.make;
  if (make === undefined) throw new Error(`no client row ${index}`);
  const run = await make(port);
  process.on('message', async (m: { total: number; inFlight: number }) => {
    process.send?.({ rps: await run(m.total, m.inFlight) });
  });
  process.send?.({ ready: true });
}

export async function run(
  requests = Number(process.argv[2] ?? 50_000),
  inFlight = Number(process.argv[3] ?? 100),
  rounds = Number(process.argv[4] ?? 3),
) {
  const server = await startServer();
  const port = server.port;
  const children = CLIENTS.map((_, i) => forkChild(SELF, [`${CLIENT_ROW}${i}`, String(port)]));
  const rps: number[][] = CLIENTS.map(() => []);
  /** Runs client row `i` in its child and returns its requests/s. */
  const runClient = async (i: number, total: number): Promise<number> => {
    const child = children[i] as (typeof children)[number];
    child.proc.send({ total, inFlight });
    return ((await child.next()) as { rps: number }).rps;
  };
  try {
    await Promise.all(children.map((c) => c.next())); // each client made
    for (const i of CLIENTS.keys()) await runClient(i, 2_000); // warm-up
    for (let round = 1; round <= rounds; round++) {
      const line: string[] = [];
      for (const [i, c] of CLIENTS.entries()) {
        const r = await runClient(i, requests);
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
    for (const [i, c] of CLIENTS.entries()) {
      const m = median(rps[i] ?? []);
      console.log(
        `  ${c.name.padEnd(28)} ${m.toFixed(0).padStart(7)} req/s  ratio to node:http2 ${(m / base).toFixed(2)}`,
      );
    }
  } finally {
    await Promise.all(children.map((c) => stopChild(c.proc)));
    server.close();
  }
}

const clientRow = process.argv.find((a) => a.startsWith(CLIENT_ROW));
if (clientRow !== undefined)
  await clientChild(Number(clientRow.slice(CLIENT_ROW.length)), Number(process.argv[3]));
else if (import.meta.url === `file://${process.argv[1]}`) await run();
