import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';

/** Options of `serveCluster`. */
export interface ClusterOptions {
  /** Fork a new worker when one dies unexpectedly. Default true. */
  readonly restart?: boolean;
}

/**
 * Runs `start` in `workers` processes that share the listening ports through `node:cluster`
 * (the primary accepts and hands connections round-robin). In the primary it forks the workers
 * and forwards SIGINT/SIGTERM to them, so each closes gracefully; in a worker it calls `start`.
 * `workers` defaults to the number of CPUs. Resolves in the primary once every worker is listening.
 *
 * @example
 * await serveCluster(4, async () => {
 *   const server = await serve(app, { port: 8080, hostname: '0.0.0.0' });
 *   process.once('SIGTERM', () => server.close().then(() => process.exit(0)));
 * });
 */
export async function serveCluster(
  workers: number = availableParallelism(),
  start: () => void | Promise<void>,
  options: ClusterOptions = {},
): Promise<void> {
  if (!cluster.isPrimary) {
    await start();
    return;
  }
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  cluster.on('exit', (_worker, code) => {
    if (!stopping && options.restart !== false && code !== 0) cluster.fork();
    else if (Object.keys(cluster.workers ?? {}).length === 0) process.exitCode = code ?? 0;
  });
  const online: Promise<void>[] = [];
  for (let i = 0; i < workers; i++) {
    const worker = cluster.fork();
    // 'listening': the worker's first server is bound, so the port answers once this resolves.
    online.push(new Promise((resolve) => worker.once('listening', () => resolve())));
  }
  await Promise.all(online);
}
