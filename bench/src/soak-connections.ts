/**
 * Many idle connections: one h2c `serve()` server (child process) receives N connections (default
 * 20 000, or what the file-descriptor limit allows), each makes one request and then stays open
 * and idle; with all of them held, another client connects and is served — its latency is
 * measured (verdict: median under 50 ms). Prints the server's RSS and fds. Not part of the test
 * suite; Linux (/proc). The npm script raises `ulimit -n` as far as the hard limit allows; the
 * clients are spread over several processes so that no process needs more fds than that.
 *
 *   npm run hold-connections -- --connections 20000
 */
import { fork } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { serverConnection } from '@h2tubes/h2-flow';
import { type AcceptH2, serve } from '@h2tubes/web-adapter';

const self = fileURLToPath(import.meta.url);
const PER_CLIENT_PROCESS = 5000;
const BATCH = 200;

function fdLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  return Number(line?.split(/\s+/)[3] ?? 1024);
}

// ───────────────────────────── server ─────────────────────────────

async function runServer(): Promise<void> {
  let conns = 0;
  const acceptH2: AcceptH2 = (socket, options) => {
    conns++;
    socket.once('close', () => conns--);
    return serverConnection(socket, options);
  };
  const server = await serve(() => new Response('hello\n'), {
    hostname: '127.0.0.1',
    port: 0,
    acceptH2,
    idleTimeoutMs: 600_000, // held connections must outlive the run
  });
  process.on('disconnect', () => process.exit(0));
  process.on('message', () => {
    const rss = process.memoryUsage().rss;
    process.send?.({ stats: { rss, fds: readdirSync('/proc/self/fd').length, conns } });
  });
  process.send?.({ port: server.port });
}

// ───────────────────────────── a client process: raw sockets ─────────────────────────────

/** Preface, empty SETTINGS, HEADERS stream 1 (END_STREAM|END_HEADERS): GET http://127.0.0.1/ . */
const authority = Buffer.from('127.0.0.1');
const block = Buffer.concat([Buffer.from([0x82, 0x86, 0x84, 0x41, authority.length]), authority]);
const REQUEST = Buffer.concat([
  Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'),
  Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]),
  Buffer.from([0, 0, block.length, 1, 0x5, 0, 0, 0, 1]),
  block,
]);
const SETTINGS_ACK = Buffer.from([0, 0, 0, 4, 1, 0, 0, 0, 0]);

/** Opens one connection, sends the request, resolves once stream 1 has ended; keeps it open. */
function holdOne(port: number, onClose: () => void): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let buffered = Buffer.alloc(0);
    let acked = false;
    let done = false;
    socket.on('connect', () => socket.write(REQUEST));
    socket.on('data', (d: Buffer) => {
      if (!acked) {
        socket.write(SETTINGS_ACK);
        acked = true;
      }
      if (done) return;
      buffered = Buffer.concat([buffered, d]);
      while (buffered.length >= 9) {
        const length = buffered.readUIntBE(0, 3);
        if (buffered.length < 9 + length) break;
        const type = buffered[3] as number;
        const flags = buffered[4] as number;
        const stream = buffered.readUInt32BE(5) & 0x7fffffff;
        buffered = buffered.subarray(9 + length);
        if (stream === 1 && (type === 0 || type === 1) && (flags & 0x1) !== 0) {
          done = true;
          buffered = Buffer.alloc(0);
          resolve(socket);
          return;
        }
      }
    });
    socket.on('error', (e) => {
      if (!done) reject(e);
    });
    socket.on('close', () => {
      if (done) onClose();
      else reject(new Error('closed before the response'));
    });
  });
}

async function runClients(port: number, count: number): Promise<void> {
  let served = 0;
  let failed = 0;
  let closedLater = 0;
  const sockets: net.Socket[] = [];
  for (let i = 0; i < count; i += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, count - i) }, () =>
      holdOne(port, () => closedLater++).then(
        (s) => {
          served++;
          sockets.push(s);
        },
        () => failed++,
      ),
    );
    await Promise.all(batch);
  }
  process.send?.({ opened: { served, failed } });
  process.on('message', () => process.send?.({ check: { open: sockets.length - closedLater, closedLater } }));
  process.on('disconnect', () => process.exit(0));
}

// ───────────────────────────── driver ─────────────────────────────

function probe(origin: string, session?: http2.ClientHttp2Session): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const s = session ?? http2.connect(origin);
    if (session === undefined) s.on('error', reject);
    const req = s.request({ ':path': '/' });
    req.on('response', () => {});
    req.resume();
    req.on('end', () => {
      const ms = performance.now() - started;
      if (session === undefined) s.close();
      resolve(ms);
    });
    req.on('error', reject);
    req.end();
  });
}

interface Stats {
  rss: number;
  fds: number;
  conns: number;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const i = args.indexOf('--connections');
  const limit = fdLimit();
  // The server needs one fd per connection plus its own (~30).
  const wanted = i >= 0 ? Number(args[i + 1]) : 20_000;
  const count = Math.min(wanted, limit - 100);
  console.log(
    `fd limit ${limit}; holding ${count} connections${count < wanted ? ` (${wanted} asked; the limit allows no more)` : ''}`,
  );

  const server = fork(self, ['--server']);
  const port = await new Promise<number>((r) => server.once('message', (m: { port: number }) => r(m.port)));
  const stats = (): Promise<Stats> =>
    new Promise((r) => {
      server.once('message', (m: { stats: Stats }) => r(m.stats));
      server.send('stats');
    });
  const idle = await stats();
  const origin = `http://127.0.0.1:${port}`;

  const started = performance.now();
  const clients = Array.from({ length: Math.ceil(count / PER_CLIENT_PROCESS) }, (_, k) =>
    fork(self, [
      '--clients',
      String(port),
      String(Math.min(PER_CLIENT_PROCESS, count - k * PER_CLIENT_PROCESS)),
    ]),
  );
  const opened = await Promise.all(
    clients.map(
      (c) =>
        new Promise<{ served: number; failed: number }>((r) =>
          c.once('message', (m: { opened: { served: number; failed: number } }) => r(m.opened)),
        ),
    ),
  );
  const served = opened.reduce((n, o) => n + o.served, 0);
  const failed = opened.reduce((n, o) => n + o.failed, 0);
  console.log(
    `${served} connections served one request each and held, ${failed} failed, in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  const held = await stats();
  console.log(
    `server: idle ${idle.conns} connections, ${idle.fds} fds, ${(idle.rss / 1048576).toFixed(0)} MB RSS → ` +
      `held ${held.conns} connections, ${held.fds} fds, ${(held.rss / 1048576).toFixed(0)} MB RSS ` +
      `(${((held.rss - idle.rss) / Math.max(1, held.conns) / 1024).toFixed(1)} KB per connection)`,
  );

  // Another client, while all of them are held: new connections, then requests on one connection.
  const fresh: number[] = [];
  for (let k = 0; k < 20; k++) fresh.push(await probe(origin));
  const session = http2.connect(origin);
  session.on('error', () => {});
  const warm: number[] = [];
  for (let k = 0; k < 20; k++) warm.push(await probe(origin, session));
  session.close();
  const show = (xs: number[]): string => {
    const s = [...xs].sort((a, b) => a - b);
    return `min ${s[0]?.toFixed(1)} ms, median ${s[Math.floor(s.length / 2)]?.toFixed(1)} ms, max ${s.at(-1)?.toFixed(1)} ms`;
  };
  console.log(`another client, new connection + GET: ${show(fresh)}`);
  console.log(`another client, GET on its open connection: ${show(warm)}`);

  const checks = await Promise.all(
    clients.map(
      (c) =>
        new Promise<{ open: number; closedLater: number }>((r) => {
          c.once('message', (m: { check: { open: number; closedLater: number } }) => r(m.check));
          c.send('check');
        }),
    ),
  );
  const stillOpen = checks.reduce((n, c) => n + c.open, 0);
  console.log(`held connections still open at the end: ${stillOpen} of ${served}`);
  const median = [...fresh].sort((a, b) => a - b)[Math.floor(fresh.length / 2)] as number;
  const pass = failed === 0 && stillOpen === served && median < 50;
  console.log(
    `verdict: ${pass ? 'PASS' : 'FAIL'} (all held, none dropped, median new-client latency < 50 ms)`,
  );
  for (const c of clients) c.kill();
  server.kill();
  process.exitCode = pass ? 0 : 1;
}

if (process.argv[2] === '--server') await runServer();
else if (process.argv[2] === '--clients') await runClients(Number(process.argv[3]), Number(process.argv[4]));
else await main();
