/**
 * Bulk upload: curl sends one large body (default 64 MiB; `--size=256` for the issue's 256 MiB)
 * over h2c (`--http2-prior-knowledge --data-binary @file`, the file made in a temp dir) to every
 * server below in turn, round after round in one run; each handler reads the whole body and
 * answers with the octet count (checked). Prints curl's median `%{speed_upload}` per server and
 * its ratio to the node:http2 row doing the same work. Each server runs in a lean child process
 * of its own (`startRowInChild`), importing only what its row uses: the node:http2 rows measured
 * about half their speed in children that had imported our packages too:
 *   - node:http2: stream API, counting 'data' chunks;
 *   - node:http2: stream API, copying the 'data' chunks into one Buffer sized from content-length
 *     (what `arrayBuffer()` does: the body whole in memory; the reference of the arrayBuffer row);
 *   - serve(): `await request.arrayBuffer()`;
 *   - serve(): `request.body.getReader()` read to the end;
 *   - serverConnection: `exchange.body.chunks` subscribed (the tube layer alone).
 *
 *   node bench/dist/bulk-upload.js [--size=MiB (64)] [--rounds=3] [--warmups=3] [--semi-space=MiB]
 *
 * Each server first makes `--warmups` transfers that are not counted: a server runs warm, and our
 * JS path and node:http2's JS both speed up over their first transfers (2026-12-02, 256 MiB
 * downloads, 12 in a row: node:http2 917 → 1574 MiB/s, serve() 1075 → 2533).
 *
 * Why the arrayBuffer row has a reference of its own: a body whole in memory is 256 MiB of memory
 * touched for the first time, which costs this VM ~0.84 s (`new Uint8Array(256 MiB).fill(1)`: 842 ms,
 * a second fill: 14 ms), whoever does it; against a server that only counts octets it measured
 * 0.43× (2026-12-02), the page faults, not the protocol.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { curl, flag, fmtMBs, listening, MiB, median, type Running } from './bulk-download-util.js';
import { recordRatio } from './chart.js';
import { rowToServe, serveRow, startRowInChild } from './child-process.js';

const TEXT = [{ name: 'content-type', value: 'text/plain' }];

const viaServe = async (handler: (request: Request) => Promise<Response>): Promise<Running> => {
  const { serve } = await import('@h2tubes/web-adapter');
  const s = await serve(handler, { hostname: '127.0.0.1', port: 0 });
  return { port: s.port, close: () => s.close(100) };
};

/** A server row: its name, how to start it, and the index of the node:http2 row it is compared with. */
type ServerRow = readonly [name: string, start: () => Promise<Running>, reference: number];

const NODE_COUNTING = 0;
const NODE_INTO_ONE_BUFFER = 1;

const SERVERS: readonly ServerRow[] = [
  [
    "node:http2 (stream 'data')",
    () =>
      listening(
        http2.createServer().on('stream', (stream) => {
          let n = 0;
          stream.on('data', (d: Buffer) => {
            n += d.length;
          });
          stream.on('end', () => {
            stream.respond({ ':status': 200, 'content-type': 'text/plain' });
            stream.end(String(n));
          });
        }),
      ),
    NODE_COUNTING,
  ],
  [
    'node:http2 (into one Buffer)',
    () =>
      listening(
        http2.createServer().on('stream', (stream, headers) => {
          const whole = Buffer.allocUnsafe(Number(headers['content-length']));
          let n = 0;
          stream.on('data', (d: Buffer) => {
            n += d.copy(whole, n);
          });
          stream.on('end', () => {
            stream.respond({ ':status': 200, 'content-type': 'text/plain' });
            stream.end(String(n));
          });
        }),
      ),
    NODE_INTO_ONE_BUFFER,
  ],
  [
    'serve() request.arrayBuffer()',
    () => viaServe(async (request) => new Response(String((await request.arrayBuffer()).byteLength))),
    NODE_INTO_ONE_BUFFER,
  ],
  [
    'serve() request.body reader',
    () =>
      viaServe(async (request) => {
        let n = 0;
        const reader = (request.body as ReadableStream<Uint8Array>).getReader();
        for (let r = await reader.read(); !r.done; r = await reader.read()) n += r.value.byteLength;
        return new Response(String(n));
      }),
    NODE_COUNTING,
  ],
  [
    'serverConnection body.chunks',
    async () => {
      const { serverConnection } = await import('@h2tubes/h2-flow');
      return listening(
        net.createServer((socket) => {
          serverConnection(socket).subscribe({
            next: (ex) => {
              let n = 0;
              ex.body.chunks.subscribe({
                next: (c) => {
                  n += c.byteLength;
                },
                complete: () => ex.respond(200, TEXT, String(n)),
              });
            },
            error: () => {},
          });
        }),
      );
    },
    NODE_COUNTING,
  ],
];

async function uploadOnce(name: string, port: number, file: string, total: number): Promise<number> {
  const out = await curl([
    '--http2-prior-knowledge',
    '--data-binary',
    `@${file}`,
    '-H',
    'content-type: application/octet-stream',
    '-w',
    '\n%{speed_upload}',
    `http://127.0.0.1:${port}/upload`,
  ]);
  const [received, speed] = out.trim().split('\n').map(Number);
  if (received !== total) throw new Error(`${name}: handler read ${received} octets, expected ${total}`);
  return speed ?? Number.NaN;
}

const SELF = fileURLToPath(import.meta.url);

/**
 * `--semi-space=N` starts every server child, node:http2's alike, with V8's
 * `--max-semi-space-size=N`, to see what the young generation's size does to a row (0: V8's own
 * sizing, the default). Why it matters: V8 starts incremental marking when the old generation's
 * room under its limit, less the external memory allocated since the last mark-compact, falls
 * under the young generation's capacity; every socket read is a fresh ArrayBuffer (external
 * memory) that only the next scavenge frees, and a young generation grown to 8–16 MiB scavenges
 * only every 32 MiB of them. A process past V8's 8 MB activation threshold (serve(): ~10 MB;
 * node:http2 alone: ~4 MB, below it) then runs a mark-compact every few dozen MiB received.
 * 2026-12-02, this VM, 256 MiB from curl, 6 interleaved rounds, server CPU per upload (from
 * /proc/PID/stat): V8's sizing: node:http2 counting 0.36 s, serve() reader 0.54 s; with
 * --max-semi-space-size=1 on both: 0.25 s and 0.26 s. This bench, `--semi-space=1`: the reader row
 * 0.87 and 1.25 in two runs, arrayBuffer() 0.81 and 0.80 (see README "Performance").
 */
const semiSpaceFlags = (mib: number): string[] => (mib > 0 ? [`--max-semi-space-size=${mib}`] : []);

export async function run(
  sizeMiB = flag('size', 64),
  rounds = flag('rounds', 3),
  warmups = flag('warmups', 3),
  semiSpaceMiB = flag('semi-space', 0),
): Promise<void> {
  const total = sizeMiB * MiB;
  const dir = mkdtempSync(join(tmpdir(), 'h2tubes-upload-'));
  const file = join(dir, 'body.bin');
  writeFileSync(file, Buffer.alloc(total, 0x62));
  const execArgv = semiSpaceFlags(semiSpaceMiB);
  const servers = await Promise.all(SERVERS.map((_, i) => startRowInChild(SELF, i, [], execArgv)));
  const speeds: number[][] = SERVERS.map(() => []);
  try {
    // Warm: every row's JIT-compiled path speeds up over its first transfers, node:http2's JS too.
    for (let w = 0; w < warmups; w++) {
      for (const [i, [name]] of SERVERS.entries()) await uploadOnce(name, servers[i]?.port ?? 0, file, total);
    }
    for (let round = 1; round <= rounds; round++) {
      const line: string[] = [];
      for (const [i, [name]] of SERVERS.entries()) {
        const s = await uploadOnce(name, servers[i]?.port ?? 0, file, total);
        speeds[i]?.push(s);
        line.push(`${name} ${fmtMBs(s)}`);
      }
      console.log(`round ${round}: ${line.join(', ')}`);
    }
  } finally {
    await Promise.all(servers.map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  }
  const med = speeds.map(median);
  const flags = execArgv.length > 0 ? ` (every server with ${execArgv.join(' ')})` : '';
  console.log(`${sizeMiB} MiB uploaded by curl over h2c, median of ${rounds} interleaved rounds${flags}:`);
  for (const [i, [name, , reference]] of SERVERS.entries()) {
    const m = med[i] ?? Number.NaN;
    const ref = med[reference] ?? Number.NaN;
    const against = SERVERS[reference]?.[0];
    console.log(
      `  ${name.padEnd(32)} ${fmtMBs(m).padStart(10)}  ratio to ${against} ${(m / ref).toFixed(2)}`,
    );
    // The chart shows V8's own sizing, as users run it.
    if (reference !== i && execArgv.length === 0) {
      recordRatio({
        bench: 'bulk-upload',
        row: name,
        ratio: m / ref,
        measure: `MiB/s vs ${against}`,
        value: m,
        reference: ref,
      });
    }
  }
}

const row = rowToServe();
if (row !== undefined) await serveRow(SERVERS[row]?.[1]);
else if (import.meta.url === `file://${process.argv[1]}`) await run();
