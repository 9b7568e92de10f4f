import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { defaultReportError, type ReportError } from '@h2tubes/h2-flow';

/** Options of `serveCluster`. */
export interface ClusterOptions {
  /** Fork a new worker when one dies unexpectedly (exit code ≠ 0 or killed by a signal). Default true. */
  readonly restart?: boolean;
  /** Delay before re-forking after a first failure; it doubles with each further one. Default 100 ms. */
  readonly restartDelayMs?: number;
  /** Cap of the re-fork delay. Default 30 s. */
  readonly maxRestartDelayMs?: number;
  /** A worker that lived this long before failing restarts the backoff from `restartDelayMs`. Default 60 s. */
  readonly stableAfterMs?: number;
  /** In the primary, this signal starts a rolling restart (`ClusterHandle.rollingRestart`); null = none. Default 'SIGHUP'. */
  readonly reloadSignal?: NodeJS.Signals | null;
  /** During a rolling restart, an old worker still running this long after SIGTERM is killed. Default 30 s. */
  readonly retireTimeoutMs?: number;
  /** Told about every worker exit. Default: one line on stderr for unexpected exits. */
  readonly onWorkerExit?: (exit: WorkerExit) => void;
  /**
   * Receives a rolling restart started by `reloadSignal` that failed (a `rollingRestart()` call
   * rejects instead). Default `defaultReportError`: one `[h2tubes] ... failed:` line on stderr.
   */
  readonly reportError?: ReportError;
}

/** One worker exit, as `onWorkerExit` sees it. */
export interface WorkerExit {
  readonly pid: number | undefined;
  readonly code: number | null;
  readonly signal: string | null;
  /** How long the worker ran. */
  readonly livedMs: number;
  /** Why it ended: it failed, it was retired by a rolling restart, or the cluster is stopping. */
  readonly reason: 'failed' | 'retired' | 'stopping' | 'exited';
  /** When it failed and is replaced: after this delay (the backoff). */
  readonly restartInMs: number | undefined;
}

/** The primary's handle on its workers (`serveCluster` resolves to it in the primary). */
export interface ClusterHandle {
  /** The port the workers listen on (their first 'listening' address). */
  readonly port: number | undefined;
  /** Pids of the live workers. */
  pids(): number[];
  /**
   * Replaces the workers one at a time: fork a new one, wait until it listens, then send the old
   * one SIGTERM so that it closes gracefully (GOAWAY, in-flight requests finish) and wait for its
   * exit. The port never stops answering.
   */
  rollingRestart(): Promise<void>;
  /** SIGTERM to every worker, wait for their exits, remove the signal handlers. */
  close(): Promise<void>;
}

/** Something `start` may resolve to; the worker then closes it on SIGTERM/SIGINT and exits 0. */
export interface Closable {
  close(): Promise<unknown>;
}

/**
 * Exponential backoff of re-forks: `base`, `2·base`, `4·base`, ... up to `max`, back to `base`
 * once a worker has lived `stableAfterMs`. Pure, so the policy is testable on its own.
 *
 * @example
 * const b = new RestartBackoff(100, 30_000, 60_000);
 * b.next(5); // 100
 * b.next(5); // 200
 * b.next(90_000); // 100: the last worker ran long enough
 */
export class RestartBackoff {
  private failures = 0;

  constructor(
    readonly baseMs: number,
    readonly maxMs: number,
    readonly stableAfterMs: number,
  ) {}

  /** The delay before the next fork, for a worker that failed after `livedMs`. */
  next(livedMs: number): number {
    if (livedMs >= this.stableAfterMs) this.failures = 0;
    const delay = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(this.failures, 30));
    this.failures++;
    return delay;
  }
}

/** One place in the pool: the worker in it and its backoff. */
interface Slot {
  worker: Worker | undefined;
  startedAt: number;
  readonly backoff: RestartBackoff;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Runs `start` in `workers` processes that share the listening ports through `node:cluster`
 * (the primary accepts and hands connections round-robin). In a worker it calls `start`; if that
 * resolves to something with `close()` (a `Server` of `serve`), SIGTERM/SIGINT close it
 * gracefully and the worker exits 0. In the primary it forks the workers, re-forks one that
 * fails with exponential backoff (`restartDelayMs` doubling up to `maxRestartDelayMs`, reset
 * after `stableAfterMs` of life), forwards SIGINT/SIGTERM to the workers, runs a rolling restart
 * on SIGHUP, and resolves once every worker is listening, with a `ClusterHandle`
 * (`undefined` in workers). `workers` defaults to the number of CPUs.
 *
 * @example
 * await serveCluster(4, () => serve(app, { port: 8080, hostname: '0.0.0.0' }));
 */
export async function serveCluster(
  workers: number = availableParallelism(),
  start: () => void | Closable | Promise<void | Closable>,
  options: ClusterOptions = {},
): Promise<ClusterHandle | undefined> {
  if (!cluster.isPrimary) {
    const started = await start();
    if (isClosable(started)) {
      const shutdown = (): void => {
        started.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGTERM', shutdown);
      process.once('SIGINT', shutdown);
    }
    return undefined;
  }
  return startPrimary(workers, options);
}

function isClosable(x: unknown): x is Closable {
  return typeof x === 'object' && x !== null && typeof (x as Closable).close === 'function';
}

async function startPrimary(count: number, options: ClusterOptions): Promise<ClusterHandle> {
  const restart = options.restart !== false;
  const report = options.onWorkerExit ?? logUnexpectedExit;
  const retireTimeoutMs = options.retireTimeoutMs ?? 30_000;
  const slots: Slot[] = [];
  /** Workers being replaced by a rolling restart: their exit is expected. */
  const retiring = new Set<Worker>();
  let stopping = false;
  let port: number | undefined;

  const fork = (slot: Slot): Promise<Worker> => {
    const worker = cluster.fork();
    slot.worker = worker;
    slot.startedAt = Date.now();
    return new Promise((resolve, reject) => {
      // While stopping (Ctrl-C during start-up), a worker that ends before it listened was told to:
      // not a failure to report.
      const onExit = (): void =>
        stopping
          ? resolve(worker)
          : reject(new Error(`worker ${worker.process.pid} exited before listening`));
      worker.once('exit', onExit);
      // 'listening': the worker's first server is bound, so the port answers once this resolves.
      worker.once('listening', (address) => {
        worker.removeListener('exit', onExit);
        port ??= address.port;
        resolve(worker);
      });
    });
  };

  const onExit = (worker: Worker, code: number | null, signal: string | null): void => {
    const slot = slots.find((s) => s.worker === worker);
    const startedAt = slot?.startedAt ?? Date.now();
    const livedMs = Date.now() - startedAt;
    const base = { pid: worker.process.pid, code, signal, livedMs };
    if (retiring.delete(worker)) {
      report({ ...base, reason: 'retired', restartInMs: undefined });
      return;
    }
    if (slot !== undefined) slot.worker = undefined;
    if (stopping) {
      report({ ...base, reason: 'stopping', restartInMs: undefined });
      if (cluster.workers === undefined || Object.keys(cluster.workers).length === 0)
        process.exitCode = code ?? 0;
      return;
    }
    const failed = code !== 0 || signal !== null;
    if (!failed || !restart || slot === undefined) {
      report({ ...base, reason: failed ? 'failed' : 'exited', restartInMs: undefined });
      return;
    }
    const delay = slot.backoff.next(livedMs);
    report({ ...base, reason: 'failed', restartInMs: delay });
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      if (!stopping) fork(slot).catch(() => {}); // an early exit goes through onExit again
    }, delay);
  };

  const stop = (signal: NodeJS.Signals): void => {
    stopping = true;
    for (const slot of slots) {
      if (slot.timer !== undefined) clearTimeout(slot.timer);
      slot.timer = undefined;
    }
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
  };

  let rolling: Promise<void> | undefined;
  const rollingRestart = (): Promise<void> => {
    rolling ??= (async () => {
      try {
        for (const slot of slots) {
          if (stopping) return;
          const old = slot.worker;
          const oldStartedAt = slot.startedAt;
          if (slot.timer !== undefined) continue; // a re-fork is already on its way
          try {
            await fork(slot);
          } catch (e) {
            // The new worker died before listening: keep the old one in its place, no re-fork.
            if (old !== undefined && !old.isDead()) {
              if (slot.timer !== undefined) clearTimeout(slot.timer);
              slot.timer = undefined;
              slot.worker = old;
              slot.startedAt = oldStartedAt;
            }
            throw e;
          }
          if (old === undefined || old.isDead()) continue;
          retiring.add(old);
          const exited = new Promise<void>((resolve) => old.once('exit', () => resolve()));
          old.process.kill('SIGTERM'); // the worker closes gracefully: GOAWAY, in-flight requests finish
          const kill = setTimeout(() => old.process.kill('SIGKILL'), retireTimeoutMs);
          await exited;
          clearTimeout(kill);
        }
      } finally {
        rolling = undefined;
      }
    })();
    return rolling;
  };

  const onSigint = (): void => stop('SIGINT');
  const onSigterm = (): void => stop('SIGTERM');
  const onReload = (): void => {
    rollingRestart().catch((e: unknown) =>
      (options.reportError ?? defaultReportError)(e, {
        what: `the rolling restart on ${String(reloadSignal)}`,
      }),
    );
  };
  const reloadSignal = options.reloadSignal === undefined ? 'SIGHUP' : options.reloadSignal;
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigterm);
  if (reloadSignal !== null) process.on(reloadSignal, onReload);
  cluster.on('exit', onExit);

  const backoff = (): RestartBackoff =>
    new RestartBackoff(
      options.restartDelayMs ?? 100,
      options.maxRestartDelayMs ?? 30_000,
      options.stableAfterMs ?? 60_000,
    );
  for (let i = 0; i < count; i++)
    slots.push({ worker: undefined, startedAt: 0, backoff: backoff(), timer: undefined });
  await Promise.all(slots.map(fork));

  const close = async (): Promise<void> => {
    const live = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    const exits = live.map(
      (w) => new Promise<void>((resolve) => (w.isDead() ? resolve() : w.once('exit', () => resolve()))),
    );
    stop('SIGTERM');
    await Promise.all(exits);
    process.removeListener('SIGINT', onSigint);
    process.removeListener('SIGTERM', onSigterm);
    if (reloadSignal !== null) process.removeListener(reloadSignal, onReload);
    cluster.removeListener('exit', onExit);
  };

  return {
    get port() {
      return port;
    },
    pids: () =>
      slots.flatMap((s) =>
        s.worker?.process.pid === undefined || s.worker.isDead() ? [] : [s.worker.process.pid],
      ),
    rollingRestart,
    close,
  };
}

function logUnexpectedExit(exit: WorkerExit): void {
  if (exit.reason !== 'failed') return;
  const how = exit.signal !== null ? `signal ${exit.signal}` : `code ${exit.code}`;
  const next = exit.restartInMs === undefined ? 'not restarted' : `restarting in ${exit.restartInMs} ms`;
  console.error(`[h2tubes] worker ${exit.pid} died (${how}) after ${exit.livedMs} ms; ${next}`);
}
