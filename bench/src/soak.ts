/**
 * Soak: an h2tubes server (serve(), h2c) at saturation for N minutes while a misbehaving client
 * resets streams, abandons uploads and drops connections. The server runs in a child process and
 * reports its RSS and open file descriptors (/proc/self/fd) every 10 s; this prints the series
 * and a verdict:
 *   - RSS and the fds not held by an open connection (fds − connections: the live sockets of
 *     the clients come and go) stay within ±10 % of the first sample after warm-up (the first
 *     fifth of the run, at most 60 s); for that small fd count, ±FD_SLACK if wider;
 *   - once every client has gone, the fd count returns to what it was before the load;
 *   - the well-behaved clients (h2load, and a node:http2 client checking bodies) see no error.
 * Not part of the test suite. Needs h2load (Debian nghttp2-client) and Linux (/proc).
 *
 *   npm run soak -- --minutes 1        (default 10)
 */
import { execFile, fork } from 'node:child_process';
import { readdirSync } from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { serverConnection } from '@h2tubes/h2-flow';
import { type AcceptH2, serve } from '@h2tubes/web-adapter';

const SAMPLE_MS = 10_000;
const FD_SLACK = 6;
const BIG = new Uint8Array(256 * 1024).fill(0x61);

interface Sample {
  readonly t: number;
  readonly rss: number;
  readonly fds: number;
  /** Open client connections at that moment: each holds one fd that is not a leak. */
  readonly conns: number;
  readonly heap: number;
}

// ───────────────────────────── the server (child process) ─────────────────────────────

async function runServer(): Promise<void> {
  let conns = 0;
  const acceptH2: AcceptH2 = (socket, options) => {
    conns++;
    socket.once('close', () => conns--);
    return serverConnection(socket, options);
  };
  const server = await serve(
    async (request) => {
      const url = new URL(request.url);
      if (url.pathname === '/upload') {
        let n = 0;
        const reader = request.body?.getReader();
        for (;;) {
          const r = await reader?.read();
          if (r === undefined || r.done) break;
          n += r.value.length;
        }
        return new Response(String(n));
      }
      if (url.pathname === '/big') return new Response(BIG);
      return new Response('hello, soak\n');
    },
    {
      hostname: '127.0.0.1',
      port: 0,
      acceptH2,
      onError: () => new Response('handler failed', { status: 500 }),
    },
  );
  const sample = (): Sample => ({
    t: Date.now(),
    rss: process.memoryUsage().rss,
    fds: readdirSync('/proc/self/fd').length,
    conns,
    heap: process.memoryUsage().heapUsed,
  });
  process.on('disconnect', () => process.exit(0)); // the soak driver is gone
  process.on('message', (m: { sample?: boolean; stop?: boolean }) => {
    if (m.sample === true) process.send?.({ sample: sample() });
    if (m.stop === true) void server.close(2000).then(() => process.exit(0));
  });
  process.send?.({ port: server.port });
}

// ───────────────────────────── the clients ─────────────────────────────

interface H2loadTotals {
  requests: number;
  succeeded: number;
  failed: number;
  errored: number;
  non2xx: number;
  runs: number;
}

function h2loadFor(origin: string, seconds: number): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      'h2load',
      ['-c', '8', '-m', '10', '-t', '1', '-D', `${seconds}s`, `${origin}/`],
      { maxBuffer: 1 << 24 },
      (e, stdout) => (stdout.includes('requests:') ? resolve(stdout) : reject(e ?? new Error(stdout))),
    ),
  );
}

/** Saturation: h2load in back-to-back segments of ≤ 30 s until `deadline`. */
async function saturate(origin: string, deadline: number, totals: H2loadTotals): Promise<void> {
  while (Date.now() < deadline - 2000) {
    const seconds = Math.max(1, Math.min(30, Math.floor((deadline - Date.now()) / 1000)));
    const out = await h2loadFor(origin, seconds);
    const m =
      /requests: (\d+) total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(out);
    const codes = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(out);
    if (m === null || codes === null) throw new Error(`unexpected h2load output:\n${out}`);
    totals.runs++;
    totals.requests += Number(m[1]);
    totals.succeeded += Number(m[2]);
    totals.failed += Number(m[3]);
    totals.errored += Number(m[4]);
    totals.non2xx += Number(codes[2]) + Number(codes[3]) + Number(codes[4]);
  }
}

/** A well-behaved node:http2 client: GET / and /big, POST /upload, checking every answer. */
async function goodClient(
  origin: string,
  deadline: number,
  tally: { ok: number; errors: string[] },
): Promise<void> {
  let session: http2.ClientHttp2Session | undefined;
  const call = (path: string, body?: Uint8Array): Promise<string> =>
    new Promise((resolve, reject) => {
      if (session === undefined || session.closed || session.destroyed) {
        session = http2.connect(origin);
        session.on('error', () => {});
      }
      const s = session.request({ ':path': path, ':method': body === undefined ? 'GET' : 'POST' });
      let status = 0;
      let length = 0;
      let text = '';
      s.on('response', (h) => {
        status = Number(h[':status']);
      });
      s.on('data', (c: Buffer) => {
        length += c.length;
        if (text.length < 64) text += c.toString();
      });
      s.on('end', () =>
        status === 200
          ? resolve(path === '/big' ? String(length) : text)
          : reject(new Error(`${path}: ${status}`)),
      );
      s.on('error', reject);
      s.end(body);
    });
  let i = 0;
  while (Date.now() < deadline) {
    try {
      const which = i++ % 3;
      if (which === 0 && (await call('/')) !== 'hello, soak\n') throw new Error('GET /: wrong body');
      if (which === 1 && (await call('/big')) !== String(BIG.length))
        throw new Error('GET /big: wrong length');
      if (which === 2 && (await call('/upload', new Uint8Array(100_000))) !== '100000')
        throw new Error('POST /upload: wrong count');
      tally.ok++;
    } catch (e) {
      tally.errors.push((e as Error).message);
    }
    await sleep(20);
  }
  (session as http2.ClientHttp2Session | undefined)?.close();
}

/** xorshift32: the chaos is reproducible from its seed. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

/**
 * The misbehaving client: each round picks one of — reset a stream mid-upload, reset a big
 * download after its first DATA, abandon an upload by destroying the connection, drop a
 * connection with requests in flight, or write the preface and half a frame then vanish.
 */
async function chaosLane(
  origin: string,
  port: number,
  deadline: number,
  random: () => number,
  counts: Map<string, number>,
): Promise<void> {
  while (Date.now() < deadline) {
    const action = Math.floor(random() * 5);
    const name = ['reset-upload', 'reset-download', 'abandon-upload', 'drop-connection', 'half-frame'][
      action
    ] as string;
    counts.set(name, (counts.get(name) ?? 0) + 1);
    try {
      if (action === 4) await halfFrame(port);
      else await chaosSession(origin, port, action, random);
    } catch {
      // the point is to break things: errors on this side are expected
    }
    await sleep(Math.floor(random() * 20));
  }
}

function chaosSession(origin: string, port: number, action: number, random: () => number): Promise<void> {
  return new Promise((resolve) => {
    let tcp: net.Socket | undefined;
    const session = http2.connect(origin, {
      createConnection: () => {
        tcp = net.connect(port, '127.0.0.1');
        return tcp;
      },
    });
    const done = (): void => {
      if (!session.destroyed) session.destroy();
      resolve();
    };
    session.on('error', done);
    session.on('close', done);
    if (action === 0) {
      // RST_STREAM CANCEL in the middle of a request body.
      const s = session.request({ ':path': '/upload', ':method': 'POST' });
      s.on('error', () => {});
      s.write(new Uint8Array(1 + Math.floor(random() * 50_000)), () => {
        s.close(http2.constants.NGHTTP2_CANCEL);
        setTimeout(() => session.close(), 5);
      });
    } else if (action === 1) {
      // RST_STREAM after the first DATA of a big response.
      const s = session.request({ ':path': '/big' });
      s.on('error', () => {});
      s.once('data', () => {
        s.close(http2.constants.NGHTTP2_CANCEL);
        setTimeout(() => session.close(), 5);
      });
    } else if (action === 2) {
      // An upload that never ends: the connection is destroyed under it.
      const s = session.request({ ':path': '/upload', ':method': 'POST' });
      s.on('error', () => {});
      s.write(new Uint8Array(1 + Math.floor(random() * 100_000)), () =>
        setTimeout(done, Math.floor(random() * 30)),
      );
    } else {
      // Several requests in flight, then the TCP connection goes.
      for (let i = 0; i < 1 + Math.floor(random() * 8); i++) {
        const s = session.request({ ':path': i % 2 === 0 ? '/big' : '/' });
        s.on('error', () => {});
        s.resume();
      }
      setTimeout(
        () => {
          tcp?.destroy(); // our own socket: the connection drops without GOAWAY
          done();
        },
        Math.floor(random() * 10),
      );
    }
  });
}

function halfFrame(port: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
      socket.write(Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])); // SETTINGS
      socket.write(Buffer.from([0, 0x10, 0, 1, 4, 0, 0, 0, 1, 0x82])); // HEADERS that promises 4 KiB, 1 octet sent
      setTimeout(() => socket.destroy(), 10);
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve());
  });
}

// ───────────────────────────── the run ─────────────────────────────

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

const mb = (n: number): string => `${(n / 1048576).toFixed(1)} MB`;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const arg = (name: string, fallback: number): number => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : fallback;
  };
  const minutes = arg('minutes', 10);
  const seed = arg('seed', Date.now() % 1_000_000);
  const runMs = minutes * 60_000;
  const warmupMs = Math.min(60_000, runMs / 5);
  console.log(
    `soak: ${minutes} min, chaos seed ${seed}, samples every ${SAMPLE_MS / 1000} s, warm-up ${warmupMs / 1000} s`,
  );

  const child = fork(fileURLToPath(import.meta.url), ['--server'], { stdio: 'inherit' });
  const samples: Sample[] = [];
  let onSample: ((s: Sample) => void) | undefined;
  const port = await new Promise<number>((resolve) =>
    child.on('message', (m: { port?: number; sample?: Sample }) => {
      if (m.port !== undefined) resolve(m.port);
      if (m.sample !== undefined) onSample?.(m.sample);
    }),
  );
  const takeSample = (): Promise<Sample> =>
    new Promise((resolve) => {
      onSample = resolve;
      child.send({ sample: true });
    });
  const origin = `http://127.0.0.1:${port}`;
  const idleBefore = await takeSample();

  const start = Date.now();
  const deadline = start + runMs;
  const totals: H2loadTotals = { requests: 0, succeeded: 0, failed: 0, errored: 0, non2xx: 0, runs: 0 };
  const good = { ok: 0, errors: [] as string[] };
  const chaos = new Map<string, number>();
  const random = rng(seed);
  const work = Promise.all([
    saturate(origin, deadline, totals),
    goodClient(origin, deadline, good),
    ...Array.from({ length: 3 }, () =>
      chaosLane(origin, port, deadline, rng(Math.floor(random() * 2 ** 31)), chaos),
    ),
  ]);
  let finished = false;
  void work.finally(() => {
    finished = true;
  });
  console.log('   t      rss      heap   fds  conns  fds-conns');
  while (!finished) {
    await Promise.race([sleep(SAMPLE_MS), work]);
    if (finished) break;
    const s = await takeSample();
    samples.push(s);
    console.log(
      `${String(Math.round((s.t - start) / 1000)).padStart(4)} s ${mb(s.rss).padStart(9)} ${mb(s.heap).padStart(9)} ${String(s.fds).padStart(5)} ${String(s.conns).padStart(6)} ${String(s.fds - s.conns).padStart(10)}`,
    );
  }
  await work;
  await sleep(3000); // sockets of the last clients close (the server's GOAWAY grace is 1 s)
  const idleAfter = await takeSample();
  child.send({ stop: true });

  const steady = samples.filter((s) => s.t - start >= warmupMs);
  const ref = steady[0];
  const within = (v: number, r: number): boolean => Math.abs(v - r) <= 0.1 * r;
  const rssFlat = ref !== undefined && steady.every((s) => within(s.rss, ref.rss));
  // fds − connections is ~20: sockets mid-close (fd gone, 'close' not yet emitted) move it by a
  // few, so the band is ±10 % or ±FD_SLACK, whichever is wider. A leak grows without bound, and
  // the idle count after the load must come back exactly.
  const fdsFlat =
    ref !== undefined &&
    steady.every(
      (s) =>
        Math.abs(s.fds - s.conns - (ref.fds - ref.conns)) <= Math.max(FD_SLACK, 0.1 * (ref.fds - ref.conns)),
    );
  const fdsBack = idleAfter.fds === idleBefore.fds;
  const h2loadClean =
    totals.failed === 0 && totals.errored === 0 && totals.non2xx === 0 && totals.succeeded > 0;
  const goodClean = good.errors.length === 0 && good.ok > 0;
  console.log(
    `\nh2load: ${totals.runs} runs, ${totals.requests} requests, ${totals.succeeded} succeeded, ` +
      `${totals.failed} failed, ${totals.errored} errored, ${totals.non2xx} non-2xx`,
  );
  console.log(
    `good node:http2 client: ${good.ok} ok, ${good.errors.length} errors${good.errors.length ? ` (${[...new Set(good.errors)].slice(0, 3).join('; ')})` : ''}`,
  );
  console.log(`chaos: ${[...chaos].map(([k, v]) => `${v} ${k}`).join(', ')}`);
  if (ref !== undefined) {
    const range = (f: (s: Sample) => number): string =>
      `${Math.min(...steady.map(f))}..${Math.max(...steady.map(f))} (ref ${f(ref)})`;
    console.log(
      `after warm-up: rss ${range((s) => Math.round(s.rss / 1048576))} MB, fds ${range((s) => s.fds)}, ` +
        `fds not held by a connection ${range((s) => s.fds - s.conns)}`,
    );
  }
  console.log(`idle fds: ${idleBefore.fds} before the load, ${idleAfter.fds} after`);
  const checks: [string, boolean][] = [
    ['RSS within ±10 % after warm-up', rssFlat],
    [`fds not held by open connections within ±10 % (or ±${FD_SLACK}) after warm-up`, fdsFlat],
    ['fds back to the idle count', fdsBack],
    ['h2load: no failed, errored or non-2xx request', h2loadClean],
    ['good client: no error', goodClean],
  ];
  for (const [name, ok] of checks) console.log(`  ${ok ? 'PASS' : 'FAIL'}  ${name}`);
  const pass = checks.every(([, ok]) => ok);
  console.log(`verdict: ${pass ? 'PASS' : 'FAIL'}`);
  process.exitCode = pass ? 0 : 1;
}

if (process.argv.includes('--server')) await runServer();
else await main();
