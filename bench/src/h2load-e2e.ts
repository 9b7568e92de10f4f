/**
 * End-to-end: `h2load` (nghttp2, a peer no one here wrote) sends small GETs over h2c to our
 * server and to a node:http2 server with the same handler, alternating, in one run; prints
 * requests/s of each and the ratio. Needs `h2load` (Debian nghttp2-client).
 *
 *   node bench/dist/h2load-e2e.js [requests=200000] [rounds=3]
 */
import { execFile } from 'node:child_process';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { serve } from '@h2tubes/web-adapter';

const run$ = promisify(execFile);
const BODY = 'hello, h2\n';

async function h2load(port: number, requests: number): Promise<{ rps: number; failed: number }> {
  const { stdout } = await run$(
    'h2load',
    ['-n', String(requests), '-c', '10', '-m', '100', '-t', '1', `http://127.0.0.1:${port}/`],
    { maxBuffer: 1 << 24 },
  );
  const rps = Number(/finished in [^,]+, ([\d.]+) req\/s/.exec(stdout)?.[1] ?? Number.NaN);
  const failed = Number(/(\d+) failed/.exec(stdout)?.[1] ?? Number.NaN);
  const errored = Number(/(\d+) errored/.exec(stdout)?.[1] ?? Number.NaN);
  return { rps, failed: failed + errored };
}

async function startNode(): Promise<{ port: number; close(): Promise<void> }> {
  const server = http2.createServer();
  server.on('stream', (stream) => {
    stream.respond({ ':status': 200, 'content-type': 'text/plain' });
    stream.end(BODY);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function startOurs(): Promise<{ port: number; close(): Promise<void> }> {
  const handle = await serve(() => new Response(BODY, { headers: { 'content-type': 'text/plain' } }), {
    port: 0,
    hostname: '127.0.0.1',
  });
  return { port: handle.port, close: () => handle.close() };
}

export async function run(
  requests = Number(process.argv[2] ?? 200_000),
  rounds = Number(process.argv[3] ?? 3),
) {
  const node = await startNode();
  const ours = await startOurs();
  try {
    await h2load(node.port, 5_000); // warm-up both
    await h2load(ours.port, 5_000);
    const nodeRps: number[] = [];
    const ourRps: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const n = await h2load(node.port, requests);
      const o = await h2load(ours.port, requests);
      nodeRps.push(n.rps);
      ourRps.push(o.rps);
      console.log(
        `round ${i + 1}: node:http2 ${n.rps.toFixed(0)} req/s (${n.failed} failed)  ` +
          `h2tubes ${o.rps.toFixed(0)} req/s (${o.failed} failed)  ratio ${(o.rps / n.rps).toFixed(2)}`,
      );
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    console.log(
      `h2load -n ${requests} -c 10 -m 100 -t 1: median node:http2 ${median(nodeRps).toFixed(0)} req/s, ` +
        `h2tubes ${median(ourRps).toFixed(0)} req/s, ratio h2tubes/node ${(median(ourRps) / median(nodeRps)).toFixed(2)}`,
    );
  } finally {
    await ours.close();
    await node.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
