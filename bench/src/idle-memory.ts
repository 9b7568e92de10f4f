/**
 * Idle memory: server RSS per idle connection, each connection having made one request. The server
 * runs in a child process (`--expose-gc`) so that its RSS is its own; the clients (node:http2
 * sessions, one GET each, then kept open and silent) run in another child. For each count
 * (default 2000; `--conns=2000,10000` for the issue's) and each server, in turn: a fresh server, a
 * gc'd RSS before, N connections, a gc'd RSS after (500 ms after the last one); per connection =
 * (after − before) / N. The ratio printed is node:http2's bytes per connection over ours (> 1: we
 * use less). With `--idle`, both states are also taken once the server has gone idle
 * (`idleMemory`: V8 has shrunk its young generation back; slow, up to a minute per state).
 *
 * Then the breakdown: a heap snapshot of the serve() child before and after `--snapshot-conns`
 * (default 200) more idle connections, diffed by constructor, per connection: which objects each
 * idle connection keeps, and how many octets.
 *
 * With `--closures`, the new closures too, by the file and line of their function, with the
 * Contexts they keep; `--keep-snapshots` leaves the two snapshots for a closer look (DevTools).
 * `--conns=0` takes the snapshots only.
 *
 *   node bench/dist/idle-memory.js [--conns=2000[,10000]] [--snapshot-conns=200] [--no-snapshot] [--idle]
 *                                  [--closures] [--keep-snapshots]
 *
 * What one idle serve() connection held (2026-12-02, 300-connection snapshot diff, ~30 KB in all;
 * RSS 40.6 KiB/conn vs node:http2 18.7 at 2,000): HPACK encoder scratch 4096 B and two 64-slot
 * dynamic-table rings 1056 B (both since made shared/lazy); 12 RxJS SafeSubscribers with their
 * observers, closures and `_finalizers` arrays ~6–7 KB (a `tube` link costs ~775 B, a `tap` ~985 B,
 * a Subscriber subclass link ~260 B, measured with --expose-gc); 9 Maps ~1.6 KB (184 B each, empty
 * or not); core part objects and their `p` option bags ~1 KB; the Socket with its states ~0.9 KB.
 *
 *                          before (after the HPACK change)   after (Links, fused chains, lazy maps;
 *                                                             two runs, 2 shared cores)
 *   KiB/conn, ratio          at 2,000        at 10,000         at 2,000              at 10,000
 *   node:http2              20.1            18.0              19.0–19.8             18.6–18.9
 *   serverConnection        33.5  0.60×     26.6  0.68×       23.4–27.1 0.70–0.84×  15.4–16.1 1.17–1.21×
 *   serve()                 32.4  0.62×     28.6  0.63×       25.1–26.0 0.73–0.79×  16.3–17.1 1.09–1.16×
 *   (heap/conn: serverConnection 22.1 → 11.9 KiB, serve() 23.7 → 12.5 KiB at 2,000; the rest of
 *   the RSS is not per-object: ~11 KiB/conn at 2,000 but ~4 KiB at 10,000, the V8 heap's own
 *   growth amortized over fewer connections, so 2,000 still misses the bar and 10,000 meets it.)
 *
 * The snapshot diff of one idle serve() connection now (~13.4 KB, was ~24.9 KB): the 12
 * SafeSubscribers are gone — every chain link is a `Link` (a Subscriber subclass holding the
 * link above and its first finalizer in fields, ~100–130 B each: Inbound, FollowSettings,
 * Writer, ServerExchanges, SerializeLink, decodeFrames' one TubeLink, ShutdownOnSignal), the
 * inbound chain is one fused link (`decodeFrames`) and the outbound one too (`serializeFrames`
 * with the encoder), events and frames go through `Relay`s (~160 B each with their handle, were
 * Subjects ~450 B with arrays and Subscription closures); Maps only where used (stream registry
 * live/closed, HPACK encoder: ~740 B), the core's ~20 units with their `p` bags and wiring
 * closures ~5 KB (Connection 192 B, ReceivePath.p 144, Closing.p 112, ...), HPACK state after
 * one response ~1 KB (rings 224, keys 152, table 184, entries), the Socket with its TCPWrap,
 * states and listeners ~1.3 KB, the idle-timeout Timeout 120 B, and serve()'s own subscriber
 * (ConnectionExchanges, its finalizer array 152 B).
 *
 * The RSS beyond the heap objects (2026-12-02; v8.getHeapSpaceStatistics() and /proc/self/smaps in
 * the server child around 2,000 serverConnection connections) is V8's young generation. The
 * scavenger doubles the semi-spaces once more has survived scavenges since the last doubling than
 * one semi-space holds (8 MiB here). Our per-connection state is JS objects (counted when copied and
 * again when promoted), so a few hundred connections into the burst new_space grows to 16 MiB
 * semi-spaces: committed 16 → 32 MiB, resident 8 → 28.7 MiB, ~+21 MiB (~10.5 KiB/conn at 2,000,
 * ~2 KiB at 10,000). Old space adds what the objects use (+3 % page slack), malloc ~1 MiB.
 * node:http2 keeps its state in nghttp2's malloc ([heap] +30 MiB) and ~5 MiB of JS, under the
 * threshold: its new space stays (resident 8 → 14 MiB). Diagnostics only: --max-semi-space-size=8
 * in the child took serverConnection from 23.7 to 17.1 KiB/conn; left idle, V8's memory reducer
 * shrinks new space back to 1 MiB after ~10–40 s, and with before and after both taken so,
 * serverConnection was at 12.7–14.6 KiB/conn and node:http2 at 18.6–19.1 (before the changes
 * below). `--idle` measures that way; the reducer does not always run within its minute (it waits
 * for a mark-compact that freed memory and a low allocation rate), so it is opt-in and prints no
 * ratio then. The bar stays the
 * state right after the burst, the same two points for both servers. Trimming the heap cannot
 * avoid the doubling (at 2,000 that would take under ~2 KiB of surviving state per connection);
 * it lowers the rest.
 *
 * 2026-12-02, one ConnectionWiring for the core's units (their parts records and ~23 closures),
 * one Hooks object for ConnectionStage's callbacks, socketRoom an object: snapshot diff of one idle
 * serve() connection 13.6 → 10.9 KB. Three runs each, `--conns=2000,10000 --no-snapshot`:
 *
 *   KiB/conn (ratio)   2,000 before          after                 10,000 before         after
 *   node:http2         20.1–20.9             19.4–21.5             18.2–18.9             17.6–18.7
 *   serverConnection   23.7–24.0 0.84–0.87×  20.9–21.1 0.93–1.02×  15.4–15.6 1.17–1.21×  12.0–12.5 1.41–1.57×
 *   serve()            24.1–24.4 0.83–0.86×  22.1–22.3 0.88–0.97×  16.1–16.4 1.11–1.15×  13.3–14.0 1.32–1.37×
 *   (heap/conn at 2,000: serverConnection 12.1–12.3 → 9.5 KiB, serve() 12.7–12.9 → 9.9–10.0 KiB.)
 *
 * 2026-12-02, later: the last closures an idle connection kept (socketFount's listeners and
 * teardown, decodeFrames' steps, the microtask and timer callbacks, serverConnection's subscribe
 * and teardown, the 'drain' listeners, ConnectionStage.receive, FrameCodec.follow, the core's sink
 * callbacks) became shared functions and methods; Maps and arrays are made when used and dropped
 * when empty (stream registry, send scheduler, the HPACK encoder's map below 9 entries and its
 * key array), settings values are interned, the Connection reaches its units through the wiring,
 * serve()'s shutdown signal is a Relay and its subscriber a Link. Snapshot diff of one idle serve()
 * connection 10.7 → 7.0 KB (30 closures with ~18 contexts, ~2.5 KB, → 2 and 1). Two runs each,
 * `--conns=2000,10000 --no-snapshot`:
 *
 *   KiB/conn (ratio)   2,000 before          after                 10,000 before         after
 *   node:http2         19.3–20.7             20.5–20.7             18.1–18.7             18.4–18.6
 *   serverConnection   21.3–21.5 0.90–0.97×  14.4–14.8 1.39–1.42×  11.8–12.3 1.48–1.58×  8.6–8.9 2.07–2.17×
 *   serve()            21.3–21.5 0.90–0.97×  15.4–15.5 1.33–1.34×  12.8–13.3 1.41–1.42×  9.1–9.3 2.00–2.02×
 *   (heap/conn at 2,000: serverConnection 9.4–9.5 → 6.2 KiB, serve() 9.9 → 6.4 KiB. With ~6 KiB of
 *   heap per connection the young generation's doubling at 2,000 comes or not from run to run: one
 *   run at an earlier commit of the day, 6.4 KiB, had it, 19.0 KiB/conn, 1.07×.)
 *
 * Every table above ran node:http2 in a child that had imported our packages too. Since then each
 * server child imports only its own row's packages (`serverChild`), and node:http2 alone measures
 * more per connection: loading our packages had grown its young generation before the "before"
 * figure was taken. Same code, lean children (2026-12-02, quiet machine):
 *
 *   KiB/conn (ratio)   2,000                 10,000
 *   node:http2         24.8                  20.4
 *   serverConnection   14.4  1.72×           9.3  2.20×
 *   serve()            15.8  1.57×           9.1  2.25×
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeHeapSnapshot } from 'node:v8';
import { flag } from './bulk-download-util.js';
import { recordRatio } from './chart.js';
import {
  forkChild as child,
  type IdleMemory,
  idleMemory,
  type Memory,
  noteIdleYoungGeneration,
  settledMemory,
  stopChild as stop,
} from './child-process.js';
import { printHeapDiff } from './heap-snapshot-diff.js';

const SELF = fileURLToPath(import.meta.url);
const KINDS = ['node:http2', 'serverConnection', 'serve()'] as const;
type Kind = (typeof KINDS)[number];

// ---- the server child ------------------------------------------------------------------------

/**
 * The server of one row, in a lean child: it imports only its own packages (node:http2's child
 * none), so that its heap and young generation are its own. A node:http2 child that had imported
 * our packages too started with a young generation already grown by loading them, and measured
 * less per connection than it uses alone (2,000 connections: 21.3–21.5 KiB with our packages
 * loaded, 25.4–26.0 KiB lean; 2026-12-02).
 */
async function serverChild(kind: Kind): Promise<void> {
  let port: number;
  if (kind === 'serve()') {
    const { serve } = await import('@h2tubes/web-adapter');
    port = (await serve(() => new Response('hello\n'), { hostname: '127.0.0.1', port: 0 })).port;
  } else {
    const { serverConnection } =
      kind === 'serverConnection' ? await import('@h2tubes/h2-flow') : { serverConnection: undefined };
    const server =
      serverConnection === undefined
        ? http2.createServer().on('stream', (stream) => {
            stream.respond({ ':status': 200 });
            stream.end('hello\n');
          })
        : net.createServer((socket) => {
            serverConnection(socket).subscribe({
              next: (ex) => ex.respond(200, [], 'hello\n'),
              error: () => {},
            });
          });
    server.maxConnections = 100_000;
    await new Promise<void>((r) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, r));
    port = (server.address() as net.AddressInfo).port;
  }
  noteIdleYoungGeneration();
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
  process.on('message', async (m: { op: string; path?: string }) => {
    if (m.op === 'memory') {
      process.send?.(await settledMemory());
    } else if (m.op === 'idle-memory') {
      process.send?.(await idleMemory());
    } else if (m.op === 'snapshot' && m.path !== undefined) {
      gc();
      writeHeapSnapshot(m.path);
      process.send?.({ done: true });
    }
  });
  process.send?.({ port });
}

// ---- the client child ------------------------------------------------------------------------

async function clientChild(port: number, count: number): Promise<void> {
  const sessions: http2.ClientHttp2Session[] = [];
  let failed = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const session = http2.connect(`http://127.0.0.1:${port}`);
      session.on('error', () => {
        failed++;
        resolve();
      });
      const req = session.request({ ':path': '/' });
      req.on('response', () => {});
      req.resume();
      req.on('end', () => resolve());
      req.on('error', () => {
        failed++;
        resolve();
      });
      req.end();
      sessions.push(session);
    });
  for (let done = 0; done < count; ) {
    const batch = Math.min(200, count - done);
    await Promise.all(Array.from({ length: batch }, one));
    done += batch;
  }
  process.send?.({ opened: sessions.length - failed, failed });
}

// ---- the parent ------------------------------------------------------------------------------

interface Measured {
  /** Per connection, after − before, each taken 500 ms after its burst of connections: the bar. */
  readonly afterBurst: Memory;
  /** With `--idle`: per connection, both states taken once the server went idle (`idleMemory`). */
  readonly idle?: Memory;
  readonly opened: number;
}

async function measure(kind: Kind, count: number, idle: boolean): Promise<Measured> {
  const server = child(SELF, [`--child-server=${kind}`], ['--expose-gc']);
  let client: ReturnType<typeof child> | undefined;
  try {
    const { port } = await server.next();
    // Warm the server up (code paths compiled, pools allocated) with a few connections first.
    const warm = child(SELF, [`--child-client=${port},20`]);
    await warm.next();
    await stop(warm.proc);
    let unsettled = false;
    const state = async (op: 'memory' | 'idle-memory'): Promise<IdleMemory> => {
      server.proc.send({ op });
      const m: IdleMemory = await server.next();
      if (m.settled === false) {
        console.log(`  (${kind}: young generation not back to idle in ${m.waitedMs} ms)`);
        unsettled = true;
      }
      return m;
    };
    const beforeBurst = await state('memory');
    const beforeIdle = idle ? await state('idle-memory') : undefined;
    client = child(SELF, [`--child-client=${port},${count}`]);
    const { opened, failed } = await client.next();
    if (failed > 0) console.log(`  (${kind}: ${failed} of ${count} connections failed)`);
    await new Promise((r) => setTimeout(r, 500));
    const afterBurst = await state('memory');
    const afterIdle = idle ? await state('idle-memory') : undefined;
    const per = (after: Memory, before: Memory): Memory => ({
      rss: (after.rss - before.rss) / opened,
      heapUsed: (after.heapUsed - before.heapUsed) / opened,
      external: (after.external - before.external) / opened,
      arrayBuffers: (after.arrayBuffers - before.arrayBuffers) / opened,
    });
    return {
      afterBurst: per(afterBurst, beforeBurst),
      // Only when both states got there: one idle and one not would charge the difference in
      // young generation (~7 MiB) to the connections.
      ...(afterIdle && beforeIdle && !unsettled ? { idle: per(afterIdle, beforeIdle) } : {}),
      opened,
    };
  } finally {
    if (client) await stop(client.proc);
    await stop(server.proc);
  }
}

// ---- heap snapshot diff ----------------------------------------------------------------------

async function breakdown(kind: Kind, count: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'h2tubes-heap-'));
  const server = child(SELF, [`--child-server=${kind}`], ['--expose-gc']);
  let client: ReturnType<typeof child> | undefined;
  try {
    const { port } = await server.next();
    const warm = child(SELF, [`--child-client=${port},20`]);
    await warm.next();
    await stop(warm.proc);
    server.proc.send({ op: 'snapshot', path: join(dir, 'before.heapsnapshot') });
    await server.next();
    client = child(SELF, [`--child-client=${port},${count}`]);
    const { opened } = await client.next();
    await new Promise((r) => setTimeout(r, 500));
    server.proc.send({ op: 'snapshot', path: join(dir, 'after.heapsnapshot') });
    await server.next();
    printHeapDiff(dir, kind, opened, process.argv.includes('--closures'));
  } finally {
    if (client) await stop(client.proc);
    await stop(server.proc);
    if (process.argv.includes('--keep-snapshots')) console.log(`the snapshots are in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  const counts = (process.argv.find((a) => a.startsWith('--conns='))?.slice(8) ?? '2000')
    .split(',')
    .map(Number)
    .filter((n) => n > 0);
  const idle = process.argv.includes('--idle');
  for (const count of counts) {
    const rows = new Map<Kind, Measured>();
    const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
    for (const kind of KINDS) {
      const measured = await measure(kind, count, idle);
      rows.set(kind, measured);
      const { afterBurst: m, idle: i, opened } = measured;
      console.log(
        `  ${kind.padEnd(18)} ${opened} idle connections: RSS ${kb(m.rss).padStart(10)}/conn  (heap ${kb(m.heapUsed)}, external ${kb(m.external)}, arrayBuffers ${kb(m.arrayBuffers)})${i ? `; once idle: RSS ${kb(i.rss)}, heap ${kb(i.heapUsed)}` : ''}`,
      );
    }
    const ref = rows.get('node:http2');
    const rssOf = (m: Memory | undefined) => m?.rss ?? Number.NaN;
    const ratioOf = (state: 'afterBurst' | 'idle', kind: Kind) =>
      rssOf(ref?.[state]) / rssOf(rows.get(kind)?.[state]);
    for (const kind of KINDS.slice(1)) {
      const ratio = ratioOf('afterBurst', kind);
      const idleRatio = idle ? `; once idle ${ratioOf('idle', kind).toFixed(2).replace('NaN', 'n/a')}` : '';
      console.log(
        `  ${kind} at ${count}: node:http2 RSS/conn ÷ ours = ${ratio.toFixed(2)} (> 1: we use less${idleRatio})`,
      );
      recordRatio({
        bench: 'idle-memory',
        row: `${kind} RSS/conn at ${count} (inverted)`,
        ratio,
        measure: 'node:http2 bytes per idle connection / ours',
        value: rows.get(kind)?.afterBurst.rss ?? Number.NaN,
        reference: ref?.afterBurst.rss ?? Number.NaN,
      });
    }
  }
  if (!process.argv.includes('--no-snapshot')) await breakdown('serve()', flag('snapshot-conns', 200));
}

const serverArg = process.argv.find((a) => a.startsWith('--child-server='));
const clientArg = process.argv.find((a) => a.startsWith('--child-client='));
if (serverArg) await serverChild(serverArg.slice(15) as Kind);
else if (clientArg) {
  const [port, count] = clientArg.slice(15).split(',').map(Number);
  await clientChild(port ?? 0, count ?? 0);
} else if (import.meta.url === `file://${process.argv[1]}`) await run();
