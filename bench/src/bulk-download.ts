/**
 * Bulk download: one large response (default 64 MiB; `--size=256` for the 256 MiB) fetched
 * by curl (`--http2-prior-knowledge -o /dev/null -w '%{speed_download}'`, or `--http2 -k` over
 * TLS), from every server below in turn, round after round in one run; prints the median MiB/s of
 * each and its ratio to node:http2 (h2c rows to node:http2 h2c, TLS rows to node:http2 TLS), and
 * each h2c row's ratio to the raw TCP row, the physical reference.
 *   - node:http2: stream API, 64 KiB chunks written with backpressure (write() false → 'drain');
 *   - serve(): a Fetch handler whose Response body is a ReadableStream pulled 64 KiB at a time;
 *   - serverConnection: `exchange.respond(200, fields, body)` with the whole Uint8Array, and with
 *     an AsyncIterable (async generator) of 64 KiB chunks;
 *   - TLS: node:http2's createSecureServer vs serve({ tls }) (self-signed cert, curl -k);
 *   - raw TCP: a node:net server writing the same bytes in one `socket.end(bytes)` (64 KiB writes
 *     with 'drain' from JS were slower than node:http2, whose writes are made in C++), read by a C
 *     reader: `dd bs=1M of=/dev/null` on bash's /dev/tcp (`curl telnet://` was tried: it scans every
 *     byte for telnet IAC and is slower than curl's own h2c, so it is no ceiling; a node:net client
 *     and `cat | wc -c` were slower too).
 *
 * Each server runs in a lean child process of its own (`startRowInChild`), importing only what its
 * row uses, as in bulk-upload.
 *
 *   node bench/dist/bulk-download.js [--size=MiB (64)] [--rounds=3] [--warmups=3]
 *
 * Each server first makes `--warmups` transfers that are not counted: a server runs warm, and our
 * JS path and node:http2's JS both speed up over their first transfers (2026-12-02, 256 MiB
 * downloads, 12 in a row: node:http2 917 → 1574 MiB/s, serve() 1075 → 2533).
 */
import http2 from 'node:http2';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  curl,
  flag,
  fmtMBs,
  listening,
  MiB,
  median,
  type Running,
  run$,
  selfSignedCert,
} from './bulk-download-util.js';
import { recordRatio } from './chart.js';
import { rowToServe, serveRow, startRowInChild } from './child-process.js';

const SELF = fileURLToPath(import.meta.url);
const CHUNK = 64 * 1024;
const FIELDS = [{ name: 'content-type', value: 'application/octet-stream' }];

interface Row {
  readonly name: string;
  readonly kind: 'h2c' | 'tls' | 'raw';
  readonly start: () => Promise<Running>;
}

/** The server rows; `total` octets per response. What a row needs is made when it starts, in its child. */
function rows(total: number): Row[] {
  const chunk = Buffer.alloc(CHUNK, 0x61);
  const whole = () => new Uint8Array(total).fill(0x61);
  const nodeStream = (stream: http2.ServerHttp2Stream) => {
    stream.respond({ ':status': 200, 'content-type': 'application/octet-stream', 'content-length': total });
    let sent = 0;
    const go = () => {
      while (sent < total) {
        sent += CHUNK;
        if (!stream.write(chunk)) {
          stream.once('drain', go);
          return;
        }
      }
      stream.end();
    };
    go();
  };
  const pulledResponse = () => {
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= total) controller.close();
        else {
          sent += CHUNK;
          controller.enqueue(chunk);
        }
      },
    });
    return new Response(body, {
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(total) },
    });
  };
  async function* iterable() {
    for (let sent = 0; sent < total; sent += CHUNK) yield chunk;
  }
  const viaServerConnection = (body: () => Uint8Array | AsyncIterable<Uint8Array>) => async () => {
    const { serverConnection } = await import('@h2tubes/h2-flow');
    return listening(
      net.createServer((socket) => {
        serverConnection(socket).subscribe({
          next: (ex) => ex.respond(200, FIELDS, body()),
          error: () => {},
        });
      }),
    );
  };
  const viaServe = async (secure: boolean): Promise<Running> => {
    const { serve } = await import('@h2tubes/web-adapter');
    const tls = secure ? await selfSignedCert() : undefined;
    const s = await serve(pulledResponse, { hostname: '127.0.0.1', port: 0, tls });
    return { port: s.port, close: () => s.close(100) };
  };
  return [
    {
      name: 'node:http2 h2c (stream API)',
      kind: 'h2c',
      start: () => listening(http2.createServer().on('stream', nodeStream)),
    },
    { name: 'serve() ReadableStream h2c', kind: 'h2c', start: () => viaServe(false) },
    {
      name: 'serverConnection Uint8Array h2c',
      kind: 'h2c',
      start: () => {
        const bytes = whole();
        return viaServerConnection(() => bytes)();
      },
    },
    { name: 'serverConnection AsyncIterable h2c', kind: 'h2c', start: viaServerConnection(iterable) },
    {
      name: 'node:http2 TLS (stream API)',
      kind: 'tls',
      start: async () => listening(http2.createSecureServer(await selfSignedCert()).on('stream', nodeStream)),
    },
    { name: 'serve({tls}) ReadableStream', kind: 'tls', start: () => viaServe(true) },
    {
      name: 'raw TCP (net server, dd reader)',
      kind: 'raw',
      start: () => {
        const bytes = whole();
        return listening(
          net.createServer((socket) => {
            socket.on('error', () => {});
            socket.end(bytes); // one write: the kernel's pace, the ceiling for any protocol on top
          }),
        );
      },
    },
  ];
}

async function fetchOnce(row: Row, port: number, total: number): Promise<number> {
  if (row.kind === 'raw') return rawRead(port, total);
  const w = ['-o', '/dev/null', '-w', '%{speed_download} %{size_download}'];
  const args =
    row.kind === 'tls'
      ? ['--http2', '-k', ...w, `https://127.0.0.1:${port}/`]
      : ['--http2-prior-knowledge', ...w, `http://127.0.0.1:${port}/`];
  const [speed, size] = (await curl(args)).trim().split(' ').map(Number);
  if (size !== total) throw new Error(`${row.name}: got ${size} bytes, expected ${total}`);
  return speed ?? Number.NaN;
}

/**
 * Bytes/s of `dd` reading everything the raw server sends through bash's /dev/tcp (a C reader, 1 MiB
 * reads), timed by dd itself.
 */
async function rawRead(port: number, total: number): Promise<number> {
  const { stderr } = await run$(
    'bash',
    ['-c', `exec 3<>/dev/tcp/127.0.0.1/${port}; dd of=/dev/null bs=1M iflag=fullblock <&3`],
    { timeout: 120_000 },
  );
  // dd's own "N bytes (...) copied, S s": from its start to EOF, like curl's speed (no bash spawn).
  const m = /(\d+) bytes .* copied, ([\d.e-]+) s/.exec(stderr);
  const size = Number(m?.[1]);
  if (size !== total) throw new Error(`raw TCP: got ${size} bytes, expected ${total}`);
  return size / Number(m?.[2]);
}

export async function run(
  sizeMiB = flag('size', 64),
  rounds = flag('rounds', 3),
  warmups = flag('warmups', 3),
): Promise<void> {
  const total = sizeMiB * MiB;
  const all = rows(total);
  const servers = await Promise.all(all.map((_, i) => startRowInChild(SELF, i, [`--size=${sizeMiB}`])));
  const speeds: number[][] = all.map(() => []);
  try {
    // Warm: every row's JIT-compiled path speeds up over its first transfers, node:http2's JS too.
    for (let w = 0; w < warmups; w++) {
      for (const [i, row] of all.entries()) await fetchOnce(row, servers[i]?.port ?? 0, total);
    }
    for (let round = 1; round <= rounds; round++) {
      const line: string[] = [];
      for (const [i, row] of all.entries()) {
        const s = await fetchOnce(row, servers[i]?.port ?? 0, total);
        speeds[i]?.push(s);
        line.push(`${row.name} ${fmtMBs(s)}`);
      }
      console.log(`round ${round}: ${line.join(', ')}`);
    }
  } finally {
    await Promise.all(servers.map((s) => s.close()));
  }
  const med = speeds.map(median);
  const ref = (kind: Row['kind']) => med[all.findIndex((r) => r.kind === kind)] ?? Number.NaN;
  console.log(`one ${sizeMiB} MiB response to curl, median of ${rounds} interleaved rounds:`);
  for (const [i, row] of all.entries()) {
    const m = med[i] ?? Number.NaN;
    const vsNode = row.kind === 'raw' ? '' : `  ratio to node:http2 ${(m / ref(row.kind)).toFixed(2)}`;
    const vsRaw = row.kind === 'h2c' ? `  ratio to raw ${(m / ref('raw')).toFixed(2)}` : '';
    console.log(`  ${row.name.padEnd(36)} ${fmtMBs(m).padStart(10)}${vsNode}${vsRaw}`);
    if (row.kind !== 'raw' && !row.name.startsWith('node:http2')) {
      recordRatio({
        bench: 'bulk-download',
        row: row.name,
        ratio: m / ref(row.kind),
        measure: 'MiB/s vs node:http2',
        value: m,
        reference: ref(row.kind),
      });
    }
  }
  recordRatio({
    bench: 'bulk-download',
    row: 'node:http2 h2c vs raw TCP',
    ratio: ref('h2c') / ref('raw'),
    measure: 'MiB/s vs raw TCP',
    value: ref('h2c'),
    reference: ref('raw'),
  });
}

const row = rowToServe();
if (row !== undefined) await serveRow(rows(flag('size', 64) * MiB)[row]?.start);
else if (import.meta.url === `file://${process.argv[1]}`) await run();
