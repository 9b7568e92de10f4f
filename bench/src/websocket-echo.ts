/**
 * WebSocket echo: `serve()` with `upgradeWebSocket` over HTTP/2 extended CONNECT (RFC 8441) and
 * over an HTTP/1.1 Upgrade (RFC 6455 §4), against a `ws` WebSocketServer over HTTP/1.1, in one run.
 * Each server runs in a lean child process of its own (an echo handler, default limits), importing
 * only its own server (ws's child loads none of our packages; the clients' modules are imported
 * when a client is first opened); the clients run here:
 *
 * - ours h2: a node:http2 session, `CONNECT` with `:protocol websocket`, the frames made and read by
 *   the client side of `@h2tubes/websocket/core` (our codec; node:http2 carries them). The client
 *   announces a 1 MiB stream window and a 16 MiB connection window so that its own receive
 *   windows are not what is measured.
 * - ours h1 and ws: the `ws` client (no permessage-deflate), the same client for both.
 *
 * Workloads, each on a fresh WebSocket: 100,000 text messages of 32 bytes with at most 100 in
 * flight, then 64 MiB as binary messages of 64 KiB with at most 16 in flight (MB/s counts the
 * octets one way). Rounds alternate the servers; the median is kept; ratios are against ws (> 1:
 * faster than ws). "ours h1 / ws" compares servers with the same client; "ours h2 / ws" also
 * changes the client and the transport.
 *
 * Memory per idle WebSocket: per server, a fresh child, a gc'd RSS and heap before, N idle
 * WebSockets (each on its own connection, one echo each, then silent), after; (after − before) / N.
 * The ratio is ws's bytes over ours (> 1: we hold less).
 *
 * With `--snapshot=N`, only the breakdown: for each of our two setups, a heap snapshot of the
 * server child before and after N more idle WebSockets, diffed (`printHeapDiff`): the objects,
 * their holders and (`--closures`) the closures by file:line each idle WebSocket keeps. Over
 * HTTP/2 that includes the idle connection under each WebSocket. `--keep-snapshots` leaves them.
 *
 *   node bench/dist/websocket-echo.js [--messages=100000] [--mib=64] [--rounds=3] [--idle=1000]
 *   node bench/dist/websocket-echo.js --snapshot=300 [--closures] [--keep-snapshots]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeHeapSnapshot } from 'node:v8';
import type { WebSocketMessage } from '@h2tubes/websocket/core';
import { flag } from './bulk-download-util.js';
import { recordRatio } from './chart.js';
import { forkChild, type Memory, settledMemory, stopChild } from './child-process.js';
import { printHeapDiff } from './heap-snapshot-diff.js';

const SELF = fileURLToPath(import.meta.url);
const SMALL = 'a small message, 32 bytes long..';
const CHUNK = 64 * 1024;
const SMALL_IN_FLIGHT = 100;
const CHUNKS_IN_FLIGHT = 16;

type ServerKind = 'ours' | 'ws';
/** A measured setup: which server, over which transport with which client. */
interface Setup {
  readonly name: string;
  readonly server: ServerKind;
  readonly open: (port: number) => Promise<EchoClient>;
}

/** What a workload needs of a client: send, hear each echo, close. */
interface EchoClient {
  send(message: WebSocketMessage): void;
  onMessage(f: () => void): void;
  close(): void;
}

// ---- the server child ------------------------------------------------------------------------

async function serverChild(kind: ServerKind): Promise<void> {
  let port: number;
  if (kind === 'ours') {
    const { serve, upgradeWebSocket } = await import('@h2tubes/web-adapter');
    const server = await serve((request) => {
      const { socket, response } = upgradeWebSocket(request);
      socket.onmessage = (e) => socket.send(e.data as string | ArrayBuffer);
      return response;
    });
    port = server.port;
  } else {
    const { WebSocketServer } = await import('ws');
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
    await new Promise<void>((resolve) => wss.once('listening', resolve));
    wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
    port = (wss.address() as AddressInfo).port;
  }
  process.on('message', async (m: { op: string; path?: string }) => {
    if (m.op === 'memory') process.send?.(await settledMemory());
    else if (m.op === 'snapshot' && m.path !== undefined) {
      (globalThis as { gc?: () => void }).gc?.();
      writeHeapSnapshot(m.path);
      process.send?.({ done: true });
    }
  });
  process.send?.({ port });
}

// ---- the clients -----------------------------------------------------------------------------

async function openWs(port: number): Promise<EchoClient> {
  const { default: WebSocket } = await import('ws');
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
    ws.once('error', reject);
    ws.once('open', () =>
      resolve({
        send: (m) => ws.send(m),
        onMessage: (f) => {
          ws.removeAllListeners('message');
          ws.on('message', f);
        },
        close: () => ws.terminate(),
      }),
    );
  });
}

async function openH2(port: number): Promise<EchoClient> {
  const { WebSocketEndpoint } = await import('@h2tubes/websocket/core');
  const session = http2.connect(`http://127.0.0.1:${port}`, { settings: { initialWindowSize: 1 << 20 } });
  session.on('error', () => {});
  await new Promise<void>((resolve) => session.once('remoteSettings', () => resolve()));
  session.setLocalWindowSize(16 << 20);
  const stream = session.request({
    ':method': 'CONNECT',
    ':protocol': 'websocket',
    ':scheme': 'http',
    ':authority': `127.0.0.1:${port}`,
    ':path': '/',
    'sec-websocket-version': '13',
  });
  stream.on('error', () => {});
  await new Promise<void>((resolve, reject) =>
    stream.once('response', (h) => (h[':status'] === 200 ? resolve() : reject(new Error(`${h[':status']}`)))),
  );
  let onMessage = (): void => {};
  const endpoint = new WebSocketEndpoint(
    { role: 'client' },
    { write: (b) => stream.write(b), message: () => onMessage(), closed: () => stream.end() },
  );
  stream.on('data', (c: Buffer) => endpoint.receive(c));
  return {
    send: (m) => endpoint.send(m),
    onMessage: (f) => {
      onMessage = f;
    },
    close: () => session.destroy(),
  };
}

const SETUPS: readonly Setup[] = [
  { name: 'ws WebSocketServer, HTTP/1.1, ws client', server: 'ws', open: openWs },
  { name: 'ours, HTTP/1.1 Upgrade, ws client', server: 'ours', open: openWs },
  { name: 'ours, h2 extended CONNECT, node:http2', server: 'ours', open: openH2 },
];

// ---- the workloads ---------------------------------------------------------------------------

/** Sends `count` messages keeping at most `inFlight` unanswered; resolves with the seconds taken. */
function echo(
  client: EchoClient,
  count: number,
  message: WebSocketMessage,
  inFlight: number,
): Promise<number> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let sent = 0;
    let received = 0;
    client.onMessage(() => {
      received++;
      if (received === count) resolve((performance.now() - t0) / 1000);
      else if (sent < count) {
        sent++;
        client.send(message);
      }
    });
    for (; sent < Math.min(inFlight, count); sent++) client.send(message);
  });
}

interface Workload {
  readonly label: string;
  readonly unit: string;
  /** The rate of one run on a fresh client. */
  run(client: EchoClient): Promise<number>;
}

function workloads(messages: number, mib: number): Workload[] {
  const chunk = new Uint8Array(CHUNK).fill(0x62);
  const chunks = (mib * 1024 * 1024) / CHUNK;
  return [
    {
      label: `${messages} text messages of 32 B, ${SMALL_IN_FLIGHT} in flight`,
      unit: 'msgs/s',
      run: async (c) => messages / (await echo(c, messages, SMALL, SMALL_IN_FLIGHT)),
    },
    {
      label: `${mib} MiB in binary messages of 64 KiB, ${CHUNKS_IN_FLIGHT} in flight`,
      unit: 'MB/s',
      run: async (c) => (chunks * CHUNK) / 1e6 / (await echo(c, chunks, chunk, CHUNKS_IN_FLIGHT)),
    },
  ];
}

// ---- memory per idle WebSocket ---------------------------------------------------------------

/** Opens `n` WebSockets with `setup`, 100 at a time, each echoing one message and then silent. */
async function openIdle(setup: Setup, port: number, n: number, into: EchoClient[]): Promise<void> {
  for (let done = 0; done < n; ) {
    const batch = Math.min(100, n - done);
    const opened = await Promise.all(Array.from({ length: batch }, () => setup.open(port)));
    // One echo each: the socket is fully set up, then it stays silent.
    await Promise.all(opened.map((c) => echo(c, 1, SMALL, 1)));
    into.push(...opened);
    done += batch;
  }
}

/** A server child for `setup`, warmed up (code compiled, pools allocated) by 20 sockets opened and closed. */
async function warmServer(setup: Setup): Promise<{ server: ReturnType<typeof forkChild>; port: number }> {
  const server = forkChild(SELF, [`--child-server=${setup.server}`], ['--expose-gc']);
  const port: number = (await server.next()).port;
  const warm: EchoClient[] = [];
  await openIdle(setup, port, 20, warm);
  for (const c of warm) c.close();
  await new Promise((r) => setTimeout(r, 300));
  return { server, port };
}

async function idleMemory(setup: Setup, count: number): Promise<Memory> {
  const { server, port } = await warmServer(setup);
  const clients: EchoClient[] = [];
  try {
    server.proc.send({ op: 'memory' });
    const before: Memory = await server.next();
    await openIdle(setup, port, count, clients);
    await new Promise((r) => setTimeout(r, 500));
    server.proc.send({ op: 'memory' });
    const after: Memory = await server.next();
    const per = (k: keyof Memory) => (after[k] - before[k]) / count;
    return {
      rss: per('rss'),
      heapUsed: per('heapUsed'),
      external: per('external'),
      arrayBuffers: per('arrayBuffers'),
    };
  } finally {
    for (const c of clients) c.close();
    await stopChild(server.proc);
  }
}

/** The heap snapshot diff of `count` more idle WebSockets of `setup` in its server child. */
async function breakdown(setup: Setup, count: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'h2tubes-ws-heap-'));
  const { server, port } = await warmServer(setup);
  const clients: EchoClient[] = [];
  try {
    server.proc.send({ op: 'snapshot', path: join(dir, 'before.heapsnapshot') });
    await server.next();
    await openIdle(setup, port, count, clients);
    await new Promise((r) => setTimeout(r, 500));
    server.proc.send({ op: 'snapshot', path: join(dir, 'after.heapsnapshot') });
    await server.next();
    printHeapDiff(dir, setup.name, count, process.argv.includes('--closures'));
  } finally {
    for (const c of clients) c.close();
    await stopChild(server.proc);
    if (process.argv.includes('--keep-snapshots')) console.log(`the snapshots are in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

// ---- the parent ------------------------------------------------------------------------------

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

export async function run(
  messages = flag('messages', 100_000),
  mib = flag('mib', 64),
  rounds = flag('rounds', 3),
  idle = flag('idle', 1000),
): Promise<void> {
  const children = new Map<ServerKind, ReturnType<typeof forkChild>>();
  const ports = new Map<ServerKind, number>();
  for (const kind of ['ours', 'ws'] as const) {
    const child = forkChild(SELF, [`--child-server=${kind}`]);
    children.set(kind, child);
    ports.set(kind, (await child.next()).port);
  }
  // The warm-up runs a tenth of each workload: code compiled, pools allocated.
  const warmUps = workloads(Math.ceil(messages / 10), Math.max(1, Math.ceil(mib / 10)));
  try {
    for (const [w, load] of workloads(messages, mib).entries()) {
      const rates: number[][] = SETUPS.map(() => []);
      const once = async (setup: Setup, workload = load): Promise<number> => {
        const client = await setup.open(ports.get(setup.server) as number);
        try {
          return await workload.run(client);
        } finally {
          client.close();
        }
      };
      for (const setup of SETUPS) await once(setup, warmUps[w]);
      for (let round = 0; round < rounds; round++)
        for (const [i, setup] of SETUPS.entries()) rates[i]?.push(await once(setup));
      const med = rates.map(median);
      const ref = med[0] ?? Number.NaN;
      console.log(`${load.label}, median of ${rounds} interleaved rounds:`);
      for (const [i, setup] of SETUPS.entries()) {
        const m = med[i] ?? Number.NaN;
        const value = load.unit === 'msgs/s' ? `${(m / 1000).toFixed(1)} k msgs/s` : `${m.toFixed(0)} MB/s`;
        const ratio = i === 0 ? '' : `  ratio to ws ${(m / ref).toFixed(2)}`;
        console.log(`  ${setup.name.padEnd(42)} ${value.padStart(14)}${ratio}`);
        if (i > 0)
          recordRatio({
            bench: 'websocket-echo',
            row: `${setup.name}: ${load.unit === 'msgs/s' ? 'small messages' : '64 KiB messages'}`,
            ratio: m / ref,
            measure: `${load.unit} vs ws`,
            value: m,
            reference: ref,
          });
      }
    }
  } finally {
    for (const child of children.values()) await stopChild(child.proc);
  }

  console.log(`memory per idle WebSocket, ${idle} sockets each on its own connection (server child, gc'd):`);
  const memory: Memory[] = [];
  for (const setup of SETUPS) memory.push(await idleMemory(setup, idle));
  const ref = memory[0] as Memory;
  for (const [i, setup] of SETUPS.entries()) {
    const m = memory[i] as Memory;
    const ratio = i === 0 ? '' : `  ratio ws/ours ${(ref.rss / m.rss).toFixed(2)} (RSS)`;
    console.log(
      `  ${setup.name.padEnd(42)} RSS ${kib(m.rss).padStart(10)}  heap ${kib(m.heapUsed).padStart(10)}${ratio}`,
    );
    if (i > 0)
      recordRatio({
        bench: 'websocket-echo',
        row: `${setup.name}: RSS per idle WebSocket`,
        ratio: ref.rss / m.rss,
        measure: 'bytes per idle WebSocket vs ws (inverted)',
        value: m.rss,
        reference: ref.rss,
      });
  }
}

const childServer = process.argv.find((a) => a.startsWith('--child-server='));
if (childServer !== undefined) await serverChild(childServer.slice('--child-server='.length) as ServerKind);
else if (import.meta.url === `file://${process.argv[1]}`) {
  const snapshot = flag('snapshot', 0);
  if (snapshot > 0)
    for (const setup of SETUPS.filter((s) => s.server === 'ours')) await breakdown(setup, snapshot);
  else await run();
}
