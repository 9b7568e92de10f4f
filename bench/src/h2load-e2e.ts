/**
 * End-to-end: `h2load` (nghttp2, a peer no one here wrote) sends small GETs over h2c to a
 * node:http2 server and to h2tubes servers answering the same body, one after the other in each
 * round, in one run; prints requests/s of each and its ratio to node:http2. Needs `h2load`
 * (Debian nghttp2-client). Each server runs in a lean child process of its own (`startRowInChild`),
 * importing only what its row uses: node:http2 measured 20.0–21.2 k req/s in a process that had
 * imported @h2tubes/web-adapter, 20.4–26.4 k in a lean one. The reference rows: node:http2's
 * stream API (`stream.respond` + `end`), and node:http2 behind @hono/node-server, the usual way to
 * run the same Fetch handler on node:http2 (it replaces the global Request and Response with its
 * own lazy classes, its fast path, in its own child). The h2tubes rows:
 *   - serverConnection: the h2-flow tube layer alone (`exchange.respond(200, fields, body)`),
 *     the same level of API as node:http2's `stream.respond` + `end`;
 *   - serve(Response): a Fetch handler returning the global `Response`, which serve() has made its
 *     lazy class (`LazyGlobalResponse`): what a user's unchanged handler gets;
 *   - serve(undici Response): the same handler with `replaceGlobalResponse: false`, so the global
 *     stays undici's own Response: on Node 20 each one builds a transferable ReadableStream, ~35 µs;
 *   - serve(FastResponse): the same handler returning `FastResponse`.
 *
 *   node bench/dist/h2load-e2e.js [requests=200000] [rounds=3]
 */
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { listening, type Running, run$ } from './bulk-download-util.js';
import { rowToServe, serveRow, startRowInChild } from './child-process.js';

const SELF = fileURLToPath(import.meta.url);
const BODY = 'hello, h2\n';
/**
 * The Fetch handler of every Fetch row; `Response` is whatever the child's global is when it runs
 * (serve()'s lazy class, @hono/node-server's, or undici's own where neither replaced it).
 */
const textResponse = () => new Response(BODY, { headers: { 'content-type': 'text/plain' } });

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

async function startServe(handler: () => Response, replaceGlobalResponse = true): Promise<Running> {
  const { serve } = await import('@h2tubes/web-adapter');
  const handle = await serve(handler, { port: 0, hostname: '127.0.0.1', replaceGlobalResponse });
  return { port: handle.port, close: () => handle.close(100) };
}

/** The server rows; each `start` runs in a child of its own and imports what it needs itself. */
const SERVERS: readonly { readonly name: string; readonly start: () => Promise<Running> }[] = [
  {
    name: 'node:http2',
    start: () =>
      listening(
        http2.createServer().on('stream', (stream) => {
          stream.respond({ ':status': 200, 'content-type': 'text/plain' });
          stream.end(BODY);
        }),
      ),
  },
  {
    name: 'node:http2 + @hono/node-server',
    start: async () => {
      const { serve } = await import('@hono/node-server');
      const server = serve({
        fetch: textResponse,
        createServer: http2.createServer,
        port: 0,
        hostname: '127.0.0.1',
      });
      if (!server.listening) await new Promise((r) => server.once('listening', r));
      return {
        port: (server.address() as AddressInfo).port,
        close: () => new Promise<void>((r) => server.close(() => r())),
      };
    },
  },
  {
    name: 'h2tubes serverConnection',
    start: async () => {
      const { serverConnection } = await import('@h2tubes/h2-flow');
      const fields = [{ name: 'content-type', value: 'text/plain' }];
      return listening(
        net.createServer((socket) => {
          serverConnection(socket).subscribe({
            next: (ex) => ex.respond(200, fields, BODY),
            error: () => {},
          });
        }),
      );
    },
  },
  { name: 'h2tubes serve(Response)', start: () => startServe(textResponse) },
  {
    name: 'h2tubes serve(undici Response)',
    start: async () => {
      const running = await startServe(textResponse, false);
      const { LazyGlobalResponse } = await import('@h2tubes/web-adapter');
      if (globalThis.Response === LazyGlobalResponse) throw new Error('the global Response was replaced');
      return running;
    },
  },
  {
    name: 'h2tubes serve(FastResponse)',
    start: async () => {
      const { FastResponse } = await import('@h2tubes/web-adapter');
      return startServe(() => new FastResponse(BODY, { headers: { 'content-type': 'text/plain' } }));
    },
  },
];

export async function run(
  requests = Number(process.argv[2] ?? 200_000),
  rounds = Number(process.argv[3] ?? 3),
) {
  const servers = await Promise.all(SERVERS.map((_, i) => startRowInChild(SELF, i)));
  const rps: number[][] = SERVERS.map(() => []);
  try {
    for (const s of servers) await h2load(s.port, 5_000); // warm-up
    for (let round = 1; round <= rounds; round++) {
      const line: string[] = [];
      for (const [i, s] of servers.entries()) {
        const r = await h2load(s.port, requests);
        rps[i]?.push(r.rps);
        line.push(`${SERVERS[i]?.name} ${r.rps.toFixed(0)} (${r.failed} failed)`);
      }
      console.log(`round ${round}: ${line.join(', ')}`);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
    const nodeMedian = median(rps[0] ?? []);
    console.log(`h2load -n ${requests} -c 10 -m 100 -t 1, median of ${rounds} rounds:`);
    for (const [i, { name }] of SERVERS.entries()) {
      const m = median(rps[i] ?? []);
      console.log(
        `  ${name.padEnd(32)} ${m.toFixed(0).padStart(7)} req/s  ratio to node:http2 ${(m / nodeMedian).toFixed(2)}`,
      );
    }
  } finally {
    await Promise.all(servers.map((s) => s.close()));
  }
}

const row = rowToServe();
if (row !== undefined) await serveRow(SERVERS[row]?.start);
else if (import.meta.url === `file://${process.argv[1]}`) await run();
