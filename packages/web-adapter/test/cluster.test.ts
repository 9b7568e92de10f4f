import { execFile } from 'node:child_process';
import cluster from 'node:cluster';
import * as http2 from 'node:http2';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type ClusterHandle, RestartBackoff, serveCluster, type WorkerExit } from '../src/cluster.js';
import { retryingLoad } from './fixtures/retrying-client.js';

// serveCluster's primary runs here, in the test process; its workers run the plain-JS fixture on
// the built packages (the root `test` script builds first). Load: h2load, bounded in requests.

// Bounded load, but processes start and h2load runs on a shared machine: room beyond the 30 s default.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });
const fixture = fileURLToPath(new URL('./fixtures/cluster-worker.mjs', import.meta.url));

describe('RestartBackoff', () => {
  it('doubles from the base up to the cap while workers keep failing early', () => {
    const b = new RestartBackoff(100, 1000, 60_000);
    expect([5, 5, 5, 5, 5, 5].map((lived) => b.next(lived))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('starts over once a worker has lived stableAfterMs', () => {
    const b = new RestartBackoff(100, 1000, 60_000);
    b.next(5);
    b.next(5);
    expect(b.next(60_000)).toBe(100);
    expect(b.next(5)).toBe(200);
  });
});

/** Runs h2load to completion; its counts (it does not retry after GOAWAY or a reset). */
function h2load(args: string[]): Promise<{ text: string; succeeded: number; failed: number; total: number }> {
  return new Promise((resolve, reject) =>
    execFile('h2load', args, { maxBuffer: 1 << 20 }, (e, stdout) => {
      const m = /requests: (\d+) total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed/.exec(stdout);
      if (m === null) reject(e ?? new Error(stdout));
      else resolve({ text: stdout, total: Number(m[1]), succeeded: Number(m[2]), failed: Number(m[3]) });
    }),
  );
}

function get(session: http2.ClientHttp2Session, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': path });
    let status = 0;
    const chunks: Buffer[] = [];
    stream.on('response', (h) => {
      status = Number(h[':status']);
    });
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve({ status, body: Buffer.concat(chunks).toString() }));
    stream.on('error', reject);
    stream.end();
  });
}

interface Stats {
  pid: number;
  open: number;
  served: number;
}

const stats = async (s: http2.ClientHttp2Session): Promise<Stats> =>
  JSON.parse((await get(s, '/stats')).body) as Stats;

/** One HTTP/2 connection to each worker (the primary hands connections round-robin). */
async function observerPerWorker(
  origin: string,
  workers: number,
): Promise<Map<number, http2.ClientHttp2Session>> {
  const byPid = new Map<number, http2.ClientHttp2Session>();
  for (let i = 0; i < 20 && byPid.size < workers; i++) {
    const s = http2.connect(origin);
    s.on('error', () => {});
    const { pid } = await stats(s);
    if (byPid.has(pid)) s.close();
    else byPid.set(pid, s);
  }
  expect(byPid.size).toBe(workers);
  return byPid;
}

const until = async (check: () => boolean | Promise<boolean>): Promise<void> => {
  while (!(await check())) await new Promise((r) => setTimeout(r, 20));
};

describe('serveCluster: two workers on one port', () => {
  let handle: ClusterHandle;
  const exits: WorkerExit[] = [];

  beforeAll(async () => {
    // execArgv: []: not vitest's flags (its 'source' condition would load .ts files in plain node).
    cluster.setupPrimary({ exec: fixture, args: ['cluster', '0'], execArgv: [] });
    const started = await serveCluster(2, () => {}, {
      restartDelayMs: 200,
      maxRestartDelayMs: 800,
      reloadSignal: null,
      onWorkerExit: (e) => exits.push(e),
    });
    if (started === undefined) throw new Error('the test process is the primary');
    handle = started;
  });
  afterAll(async () => {
    await handle?.close();
  });

  it('a worker killed under h2load is re-forked with backoff; only its own connections fail', async () => {
    const origin = `http://127.0.0.1:${handle.port}`;
    const observers = await observerPerWorker(origin, 2);
    const [victim, survivor] = [...observers.keys()] as [number, number];
    const load = h2load(['-n', '20000', '-c', '10', '-m', '10', `${origin}/`]);
    // Mid-run: once the workers together have served 2 000 requests.
    await until(async () => {
      const all = await Promise.all([...observers.values()].map(stats));
      return all.reduce((n, s) => n + s.served, 0) >= 2000;
    });
    const victimSession = observers.get(victim) as http2.ClientHttp2Session;
    const survivorSession = observers.get(survivor) as http2.ClientHttp2Session;
    // Connections on the victim, minus our observer: the h2load clients that can fail.
    const victimClients = (await stats(victimSession)).open - 1;
    process.kill(victim, 'SIGKILL');
    // The survivor keeps answering on its connection while h2load runs.
    let survivorErrors = 0;
    let survivorOk = 0;
    let loadDone = false;
    const probing = (async () => {
      while (!loadDone) {
        try {
          if ((await get(survivorSession, '/')).status === 200) survivorOk++;
          else survivorErrors++;
        } catch {
          survivorErrors++;
        }
      }
    })();
    const result = await load;
    loadDone = true;
    await probing;
    console.log(
      `killed worker ${victim} holding ${victimClients} of h2load's 10 connections\n${result.text}`,
    );
    // What is guaranteed: only requests of the killed worker's connections fail (h2load gives
    // each of its 10 clients 2 000 requests and does not reconnect); the other worker's clients
    // see no error at all.
    expect(result.total).toBe(20_000);
    expect(result.failed).toBeLessThanOrEqual(victimClients * 2000);
    expect(result.succeeded).toBeGreaterThanOrEqual(20_000 - victimClients * 2000);
    expect(survivorErrors).toBe(0);
    expect(survivorOk).toBeGreaterThan(0);
    victimSession.destroy();
    survivorSession.close();

    // Re-forked after restartDelayMs, and again with a doubled delay each time it dies young.
    const delays: (number | undefined)[] = [];
    let dying = victim;
    for (let i = 0; i < 4; i++) {
      await until(() => exits.some((e) => e.pid === dying));
      delays.push(exits.find((e) => e.pid === dying)?.restartInMs);
      await until(() => handle.pids().length === 2 && !handle.pids().includes(dying));
      const fresh = handle.pids().find((p) => p !== survivor) as number;
      if (i < 3) {
        dying = fresh;
        process.kill(fresh, 'SIGKILL');
      }
    }
    expect(exits.find((e) => e.pid === victim)).toMatchObject({ signal: 'SIGKILL', reason: 'failed' });
    expect(delays).toEqual([200, 400, 800, 800]);
    expect(handle.pids()).toContain(survivor);
  });

  it('a rolling restart under load loses no request: old workers send GOAWAY and finish what they accepted', async () => {
    const origin = `http://127.0.0.1:${handle.port}`;
    const before = handle.pids();
    // h2load is the load; it does not retry after GOAWAY, so the judge is a client that does
    // what RFC 9113 §8.7 allows: resend only what the server refused unprocessed.
    const load = h2load(['-n', '20000', '-c', '10', '-m', '10', `${origin}/`]);
    const judge = retryingLoad(origin, '/slow?ms=10', 2000, 8);
    await until(() => judge.progress.ok >= 200);
    await handle.rollingRestart();
    const [loadResult, result] = await Promise.all([load, judge.done]);
    console.log(
      `rolling restart: ${result.ok} ok, ${result.retried} refused and resent (§8.7), ${result.lost.length} lost; ` +
        `per pid ${JSON.stringify([...result.byPid])}\nh2load alongside:\n${loadResult.text}`,
    );
    expect(result.lost).toEqual([]);
    expect(result.ok).toBe(2000);
    const after = handle.pids();
    expect(after).toHaveLength(2);
    expect(after.filter((p) => before.includes(p))).toEqual([]);
    // The old workers closed gracefully (exit 0 after their server's close()), not killed.
    for (const pid of before)
      expect(exits.find((e) => e.pid === pid)).toMatchObject({ reason: 'retired', code: 0 });
    // The h2load alongside got no error status: what failed there was refused or never sent.
    expect(loadResult.text).toMatch(/status codes: \d+ 2xx, 0 3xx, 0 4xx, 0 5xx/);
  });

  it('a rolling restart whose new worker cannot start stops there and keeps the old workers', async () => {
    const before = handle.pids();
    process.env.CLUSTER_FIXTURE_FAIL = '1'; // workers inherit the primary's environment when forked
    try {
      await expect(handle.rollingRestart()).rejects.toThrow(/exited before listening/);
    } finally {
      delete process.env.CLUSTER_FIXTURE_FAIL;
    }
    expect(handle.pids().sort()).toEqual([...before].sort());
    // No re-fork is pending for the failed replacement: the pool stays at two workers.
    const origin = `http://127.0.0.1:${handle.port}`;
    const observers = await observerPerWorker(origin, 2);
    expect([...observers.keys()].sort()).toEqual([...before].sort());
    for (const s of observers.values()) s.close();
  });
});
