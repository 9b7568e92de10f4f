/**
 * End-to-end: `h2load` (nghttp2, a peer no one here wrote) sends small GETs over h2c to a
 * node:http2 server and to h2tubes servers answering the same body, one after the other in each
 * round, in one run; prints requests/s of each and its ratio to node:http2. Needs `h2load`
 * (Debian nghttp2-client). The reference rows: node:http2's stream API (`stream.respond` + `end`), and
 * node:http2 behind @hono/node-server, the usual way to run the same Fetch handler on node:http2. The
 * latter runs in a child process: by default it replaces the global Request and Response with its
 * own lazy classes (its fast path), which must not leak into the other rows. The h2tubes rows:
 *   - serverConnection: the h2-flow tube layer alone (`exchange.respond(200, fields, body)`),
 *     the same level of API as node:http2's `stream.respond` + `end`;
 *   - serve(Response): a Fetch handler returning the global `Response`, which serve() has made its
 *     lazy class (`LazyGlobalResponse`): what a user's unchanged handler gets;
 *   - serve(undici Response): the same handler building undici's own Response (the class the
 *     global was before serve() ran), with `replaceGlobalResponse: false`: on Node 20 each one
 *     builds a transferable ReadableStream, ~35 µs;
 *   - serve(FastResponse): the same handler returning `FastResponse`.
 *
 *   node bench/dist/h2load-e2e.js [requests=200000] [rounds=3]
 */
import { execFile, spawn } from 'node:child_process';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { serverConnection } from '@h2tubes/h2-flow';
import { FastResponse, serve } from '@h2tubes/web-adapter';
import { serve as honoNodeServe } from '@hono/node-server';

const run$ = promisify(execFile);
const BODY = 'hello, h2\n';
/** The Fetch handler of every Fetch row; `Response` is whatever the process's global is when it runs. */
const textResponse = () => new Response(BODY, { headers: { 'content-type': 'text/plain' } });
/** The runtime's own Response, taken before any serve() of this process put its lazy class in place. */
const UndiciResponse = globalThis.Response;

interface Running {
  readonly port: number;
  close(): Promise<void>;
}

async function h2load(port: number, requests: number): Promise<{ rps: number; failed: number }> {
  const { stdout } = await run$(
    'h2load',
    ['-n', String(requests), '-c', '10', '-m', '100', '-t', '1', `http://127.0.0.1:${port}/`],
    { maxBuffer: 1 << 24 },
  );
  const rps = Number(/finished in [^,]+, ([\d.]+) req\/s/.exec(stdout)?.[1] ?? Number.NaN);
  const failed = Number(/(\d+) failed/.exec(stdout)?.[1] ?? Number.NaN);
  const errored = Number(/(\d+) errored/.exec(stdout)?.[1] ?? Number.NaN);
  const non2xx = requests - Number(/status codes: (\d+) 2xx/.exec(stdout)?.[1] ?? 0);
  return { rps, failed: failed + errored + non2xx };
}

async function listening(server: net.Server): Promise<Running> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

function startNode(): Promise<Running> {
  const server = http2.createServer();
  server.on('stream', (stream) => {
    stream.respond({ ':status': 200, 'content-type': 'text/plain' });
    stream.end(BODY);
  });
  return listening(server);
}

/** The child-process side of the @hono/node-server row: serves, prints its port. */
function serveFetchOnNode(): void {
  const server = honoNodeServe({
    fetch: textResponse,
    createServer: http2.createServer,
    port: 0,
    hostname: '127.0.0.1',
  });
  server.once('listening', () => console.log((server.address() as AddressInfo).port));
}

function startFetchOnNode(): Promise<Running> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve-fetch-on-node'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', (line: Buffer) =>
      resolve({
        port: Number(line.toString().trim()),
        close: () =>
          new Promise<void>((r) => {
            child.once('exit', () => r());
            child.kill();
          }),
      }),
    );
  });
}

function startServerConnection(): Promise<Running> {
  const fields = [{ name: 'content-type', value: 'text/plain' }];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serverConnection(socket).subscribe({ next: (ex) => ex.respond(200, fields, BODY), error: () => {} });
  });
  return listening(server).then((r) => ({
    port: r.port,
    close: () => {
      for (const s of sockets) s.destroy();
      return r.close();
    },
  }));
}

async function startServe(handler: () => Response, replaceGlobalResponse = true): Promise<Running> {
  const handle = await serve(handler, { port: 0, hostname: '127.0.0.1', replaceGlobalResponse });
  return { port: handle.port, close: () => handle.close(100) };
}

const SERVERS: readonly [string, () => Promise<Running>][] = [
  ['node:http2', startNode],
  ['node:http2 + @hono/node-server', startFetchOnNode],
  ['h2tubes serverConnection', startServerConnection],
  ['h2tubes serve(Response)', () => startServe(textResponse)],
  [
    'h2tubes serve(undici Response)',
    () => startServe(() => new UndiciResponse(BODY, { headers: { 'content-type': 'text/plain' } }), false),
  ],
  [
    'h2tubes serve(FastResponse)',
    () => startServe(() => new FastResponse(BODY, { headers: { 'content-type': 'text/plain' } })),
  ],
];

export async function run(
  requests = Number(process.argv[2] ?? 200_000),
  rounds = Number(process.argv[3] ?? 3),
) {
  const servers = await Promise.all(SERVERS.map(([, start]) => start()));
  const rps: number[][] = SERVERS.map(() => []);
  try {
    for (const s of servers) await h2load(s.port, 5_000); // warm-up
    for (let round = 1; round <= rounds; round++) {
      const line: string[] = [];
      for (const [i, s] of servers.entries()) {
        const r = await h2load(s.port, requests);
        rps[i]?.push(r.rps);
        line.push(`${SERVERS[i]?.[0]} ${r.rps.toFixed(0)} (${r.failed} failed)`);
      }
      console.log(`round ${round}: ${line.join(', ')}`);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
    const nodeMedian = median(rps[0] ?? []);
    console.log(`h2load -n ${requests} -c 10 -m 100 -t 1, median of ${rounds} rounds:`);
    for (const [i, [name]] of SERVERS.entries()) {
      const m = median(rps[i] ?? []);
      console.log(
        `  ${name.padEnd(32)} ${m.toFixed(0).padStart(7)} req/s  ratio to node:http2 ${(m / nodeMedian).toFixed(2)}`,
      );
    }
  } finally {
    await Promise.all(servers.map((s) => s.close()));
  }
}

if (process.argv[2] === '--serve-fetch-on-node') serveFetchOnNode();
else if (import.meta.url === `file://${process.argv[1]}`) await run();
