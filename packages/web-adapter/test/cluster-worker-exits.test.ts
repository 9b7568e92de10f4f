import cluster, { type Worker } from 'node:cluster';
import * as http2 from 'node:http2';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type ClusterHandle, serveCluster, type WorkerExit } from '../src/cluster.js';

// serveCluster's primary runs here, in the test process; its one worker runs the plain-JS fixture
// on the built packages (as in cluster.test.ts). These cover how the primary treats each kind of
// worker exit, the default exit report, and rolling restarts around re-forks and shutdown.

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });
const fixture = fileURLToPath(new URL('./fixtures/cluster-worker.mjs', import.meta.url));

beforeAll(() => {
  // execArgv: []: not vitest's flags (its 'source' condition would load .ts files in plain node).
  cluster.setupPrimary({ exec: fixture, args: ['cluster', '0'], execArgv: [] });
});

let handle: ClusterHandle | undefined;
const savedExitCode = process.exitCode;
afterEach(async () => {
  await handle?.close();
  handle = undefined;
  delete process.env.CLUSTER_FIXTURE_FAIL;
  process.exitCode = savedExitCode;
  vi.restoreAllMocks();
});

const nextEvent = <T extends unknown[]>(event: string): Promise<T> =>
  new Promise((resolve) => cluster.once(event, (...args: unknown[]) => resolve(args as T)));

const exitOf = (worker: Worker): Promise<void> => new Promise((r) => worker.once('exit', () => r()));

const onlyWorker = (): Worker => {
  const all = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());
  expect(all).toHaveLength(1);
  return all[0] as Worker;
};

function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', reject);
    const stream = session.request({ ':path': '/' });
    stream.setEncoding('utf8');
    let body = '';
    stream.on('data', (c: string) => {
      body += c;
    });
    stream.on('end', () => {
      session.close();
      resolve(body);
    });
    stream.on('error', reject);
  });
}

async function start(options: Parameters<typeof serveCluster>[2]): Promise<ClusterHandle> {
  const started = await serveCluster(1, () => {}, options);
  if (started === undefined) throw new Error('the test process is the primary');
  handle = started;
  return started;
}

describe('worker exits, with the default report (one stderr line per failure)', () => {
  it('reports a killed worker and a re-fork that exits with a code, each with its backoff, until one listens', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const h = await start({ restartDelayMs: 50, reloadSignal: null });
    const first = onlyWorker();
    // The first re-fork inherits this and exits 3 before listening; the second does not.
    process.env.CLUSTER_FIXTURE_FAIL = '1';
    const forked = nextEvent<[Worker]>('fork');
    process.kill(first.process.pid as number, 'SIGKILL');
    const [failing] = await forked;
    delete process.env.CLUSTER_FIXTURE_FAIL;
    await exitOf(failing);
    const listeningAt = nextEvent<[Worker, { port: number }]>('listening');
    const [listening] = await listeningAt;
    const [, address] = await listeningAt;
    expect(listening.process.pid).not.toBe(failing.process.pid);
    expect(h.pids()).toEqual([listening.process.pid]);
    expect(await get(address.port)).toBe(`served by ${listening.process.pid}\n`);
    const lines = errors.mock.calls.map((c) => String(c[0]));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      new RegExp(
        `^\\[h2tubes\\] worker ${first.process.pid} died \\(signal SIGKILL\\) after \\d+ ms; restarting in 50 ms$`,
      ),
    );
    expect(lines[1]).toMatch(
      new RegExp(
        `^\\[h2tubes\\] worker ${failing.process.pid} died \\(code 3\\) after \\d+ ms; restarting in 100 ms$`,
      ),
    );
  });

  it('neither reports nor replaces a worker that exits 0 on its own; a rolling restart fills its place', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const h = await start({ restartDelayMs: 50, reloadSignal: null });
    const worker = onlyWorker();
    const exited = new Promise<[number | null, string | null]>((r) =>
      worker.once('exit', (c, s) => r([c, s])),
    );
    // One request first: the worker has then run past installing its SIGTERM handler (a signal that
    // lands between its 'listening' and that still has the default action).
    expect(await get(h.port as number)).toBe(`served by ${worker.process.pid}\n`);
    process.kill(worker.process.pid as number, 'SIGTERM'); // the worker closes its server and exits 0
    expect(await exited).toEqual([0, null]);
    expect(h.pids()).toEqual([]);
    const listeningAt = nextEvent<[Worker, { port: number }]>('listening');
    await h.rollingRestart();
    const [, address] = await listeningAt;
    const [replacement] = h.pids();
    expect(replacement).toBeDefined();
    expect(replacement).not.toBe(worker.process.pid);
    expect(await get(address.port)).toBe(`served by ${replacement}\n`);
    expect(errors).not.toHaveBeenCalled();
  });
});

describe('restart: false and the reload signal', () => {
  it('reports a failed worker as not restarted, with the default report', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const h = await start({ restart: false, reloadSignal: null });
    const worker = onlyWorker();
    const exited = exitOf(worker);
    process.kill(worker.process.pid as number, 'SIGKILL');
    await exited;
    expect(errors.mock.calls.map((c) => String(c[0]))).toEqual([
      expect.stringMatching(
        new RegExp(
          `^\\[h2tubes\\] worker ${worker.process.pid} died \\(signal SIGKILL\\) after \\d+ ms; not restarted$`,
        ),
      ),
    ]);
    expect(h.pids()).toEqual([]);
  });

  it('runs a rolling restart on SIGHUP, retires the old worker, and does not replace a failed one', async () => {
    const exits: WorkerExit[] = [];
    const hupListeners = process.listenerCount('SIGHUP');
    const h = await start({ restart: false, onWorkerExit: (e) => exits.push(e) });
    expect(process.listenerCount('SIGHUP')).toBe(hupListeners + 1);
    const old = onlyWorker();
    const retired = exitOf(old);
    process.emit('SIGHUP');
    await retired;
    const fresh = onlyWorker();
    expect(fresh).not.toBe(old);
    expect(exits).toMatchObject([
      { pid: old.process.pid, reason: 'retired', code: 0, restartInMs: undefined },
    ]);
    const killed = exitOf(fresh);
    process.kill(fresh.process.pid as number, 'SIGKILL');
    await killed;
    expect(exits[1]).toMatchObject({ pid: fresh.process.pid, reason: 'failed', signal: 'SIGKILL' });
    expect(exits[1]?.restartInMs).toBeUndefined();
    expect(h.pids()).toEqual([]);
    await h.close();
    handle = undefined;
    expect(process.listenerCount('SIGHUP')).toBe(hupListeners);
  });
});

describe('rolling restarts around a pending re-fork and shutdown', () => {
  it('skips a slot whose re-fork is scheduled, cancels that re-fork on close, and does nothing once stopping', async () => {
    let forks = 0;
    const countFork = (): void => {
      forks++;
    };
    const exits: WorkerExit[] = [];
    const h = await start({ restartDelayMs: 60_000, reloadSignal: null, onWorkerExit: (e) => exits.push(e) });
    cluster.on('fork', countFork);
    try {
      const worker = onlyWorker();
      const exited = exitOf(worker);
      process.kill(worker.process.pid as number, 'SIGKILL');
      await exited;
      // 60 s capped by the default maxRestartDelayMs of 30 s.
      expect(exits).toMatchObject([{ reason: 'failed', restartInMs: 30_000 }]);
      const a = h.rollingRestart();
      expect(h.rollingRestart()).toBe(a); // one rolling restart at a time
      await a;
      expect(forks).toBe(0); // the slot waits for its re-fork
      await h.close();
      handle = undefined;
      await h.rollingRestart();
      expect(forks).toBe(0); // neither the cancelled re-fork nor a rolling restart after close
      expect(Object.keys(cluster.workers ?? {})).toHaveLength(0);
    } finally {
      cluster.removeListener('fork', countFork);
    }
  });
});
