/**
 * Latency at a fixed moderate rate: small GETs over h2c at half of node:http2's maximum (measured
 * first in the same run with h2load, as h2load-e2e does), sent by `h2load --rps` (4 connections,
 * rate split between them, ≤ 10 streams each), with h2load's per-request `--log-file` giving each
 * request's time to end of response; prints p50 and p99 of each server, round after round
 * interleaved, medians of the rounds, and the ratios node:http2 / ours (> 1: we answer sooner).
 * Servers: node:http2 (stream API), serve(FastResponse), serve(Response), each in a lean child
 * process of its own (`startRowInChild`), importing only what its row uses, as in h2load-e2e.
 *
 *   node bench/dist/latency.js [--seconds=3] [--rounds=3]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { flag, listening, median, type Running, run$ } from './bulk-download-util.js';
import { recordRatio } from './chart.js';
import { rowToServe, serveRow, startRowInChild } from './child-process.js';

const SELF = fileURLToPath(import.meta.url);
const BODY = 'hello, h2\n';
const CLIENTS = 4;

const viaServe = async (handler: () => Response): Promise<Running> => {
  const { serve } = await import('@h2tubes/web-adapter');
  const s = await serve(handler, { hostname: '127.0.0.1', port: 0 });
  return { port: s.port, close: () => s.close(100) };
};

const SERVERS: readonly [string, () => Promise<Running>][] = [
  [
    'node:http2',
    () =>
      listening(
        http2.createServer().on('stream', (stream) => {
          stream.respond({ ':status': 200, 'content-type': 'text/plain' });
          stream.end(BODY);
        }),
      ),
  ],
  [
    'serve(FastResponse)',
    async () => {
      const { FastResponse } = await import('@h2tubes/web-adapter');
      return viaServe(() => new FastResponse(BODY, { headers: { 'content-type': 'text/plain' } }));
    },
  ],
  [
    'serve(Response)',
    () => viaServe(() => new Response(BODY, { headers: { 'content-type': 'text/plain' } })),
  ],
];

async function maxRps(port: number): Promise<number> {
  const { stdout } = await run$(
    'h2load',
    ['-n', '50000', '-c', '10', '-m', '100', '-t', '1', `http://127.0.0.1:${port}/`],
    { maxBuffer: 1 << 24, timeout: 120_000 },
  );
  return Number(/finished in [^,]+, ([\d.]+) req\/s/.exec(stdout)?.[1] ?? Number.NaN);
}

/** p50 and p99 in ms of `rate` req/s for `seconds`, from h2load's per-request log. */
async function paced(
  port: number,
  rate: number,
  seconds: number,
  log: string,
): Promise<{ p50: number; p99: number; failed: number }> {
  const perClient = Math.max(1, Math.round(rate / CLIENTS));
  const n = perClient * CLIENTS * seconds;
  const { stdout } = await run$(
    'h2load',
    [
      '-n',
      String(n),
      '-c',
      String(CLIENTS),
      '-m',
      '10',
      '-t',
      '1',
      `--rps=${perClient}`,
      `--log-file=${log}`,
      `http://127.0.0.1:${port}/`,
    ],
    { maxBuffer: 1 << 24, timeout: (seconds + 60) * 1000 },
  );
  const failed = Number(/(\d+) failed/.exec(stdout)?.[1] ?? Number.NaN);
  const micros = readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => Number(l.split('\t')[2]))
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  const at = (q: number) =>
    (micros[Math.min(micros.length - 1, Math.floor(q * micros.length))] ?? Number.NaN) / 1000;
  return { p50: at(0.5), p99: at(0.99), failed };
}

export async function run(seconds = flag('seconds', 3), rounds = flag('rounds', 3)): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'h2tubes-latency-'));
  const servers = await Promise.all(SERVERS.map((_, i) => startRowInChild(SELF, i)));
  const p50: number[][] = SERVERS.map(() => []);
  const p99: number[][] = SERVERS.map(() => []);
  try {
    const nodePort = servers[0]?.port ?? 0;
    for (const s of servers) await maxRps(s.port); // warm-up
    const max = median([await maxRps(nodePort), await maxRps(nodePort), await maxRps(nodePort)]);
    const rate = Math.round(max / 2);
    console.log(
      `node:http2 max ${max.toFixed(0)} req/s (h2load -c 10 -m 100, median of 3); pacing at ${rate} req/s`,
    );
    for (let round = 1; round <= rounds; round++) {
      const line: string[] = [];
      for (const [i, s] of servers.entries()) {
        const r = await paced(s.port, rate, seconds, join(dir, 'requests.log'));
        p50[i]?.push(r.p50);
        p99[i]?.push(r.p99);
        line.push(
          `${SERVERS[i]?.[0]} p50 ${r.p50.toFixed(2)} p99 ${r.p99.toFixed(2)} ms${r.failed ? ` (${r.failed} failed)` : ''}`,
        );
      }
      console.log(`round ${round}: ${line.join(', ')}`);
    }
  } finally {
    await Promise.all(servers.map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  }
  const [ref50, ref99] = [median(p50[0] ?? []), median(p99[0] ?? [])];
  console.log(
    `small GETs at half node:http2's max, ${seconds} s each, median of ${rounds} interleaved rounds:`,
  );
  for (const [i, [name]] of SERVERS.entries()) {
    const [m50, m99] = [median(p50[i] ?? []), median(p99[i] ?? [])];
    console.log(
      `  ${name.padEnd(22)} p50 ${m50.toFixed(2).padStart(6)} ms  p99 ${m99.toFixed(2).padStart(6)} ms  node:http2/ours: p50 ${(ref50 / m50).toFixed(2)}, p99 ${(ref99 / m99).toFixed(2)}`,
    );
    if (i > 0) {
      recordRatio({
        bench: 'latency',
        row: `${name} p50 (inverted)`,
        ratio: ref50 / m50,
        measure: 'node:http2 ms / ours',
        value: m50,
        reference: ref50,
      });
      recordRatio({
        bench: 'latency',
        row: `${name} p99 (inverted)`,
        ratio: ref99 / m99,
        measure: 'node:http2 ms / ours',
        value: m99,
        reference: ref99,
      });
    }
  }
}

const row = rowToServe();
if (row !== undefined) await serveRow(SERVERS[row]?.[1]);
else if (import.meta.url === `file://${process.argv[1]}`) await run();
