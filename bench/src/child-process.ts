/**
 * Children for the benchmarks that measure a server's memory: the server runs in a child process
 * (`--expose-gc`) so that its RSS is its own, and answers the parent over IPC.
 */
import { type ChildProcess, fork } from 'node:child_process';

/** The process memory figures the memory benchmarks compare. */
export interface Memory {
  readonly rss: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
}

/** IPC answers of a child; each benchmark knows the shape it expects at each call site. */
// biome-ignore lint/suspicious/noExplicitAny: the shapes are per benchmark and per call site
export type Message = any;

/** Forks `module` with `args`; `next()` resolves with its next IPC message (180 s at most). */
export function forkChild(
  module: string,
  args: string[],
  execArgv: string[] = [],
): { proc: ChildProcess; next: () => Promise<Message> } {
  const proc = fork(module, args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const queue: unknown[] = [];
  const waiters: ((m: unknown) => void)[] = [];
  proc.on('message', (m) => {
    const w = waiters.shift();
    if (w) w(m);
    else queue.push(m);
  });
  const next = () =>
    new Promise<Message>((resolve, reject) => {
      if (queue.length > 0) return resolve(queue.shift());
      const timer = setTimeout(
        () => reject(new Error(`child ${args.join(' ')}: no answer in 180 s`)),
        180_000,
      );
      waiters.push((m) => {
        clearTimeout(timer);
        resolve(m);
      });
    });
  return { proc, next };
}

/** Kills the child and resolves once it exited. */
export function stopChild(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((r) => {
    proc.once('exit', () => r());
    proc.kill();
  });
}

/** In the child: this process's memory after three collections (needs `--expose-gc`). */
export async function settledMemory(): Promise<Memory> {
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 50));
  }
  const u = process.memoryUsage();
  return { rss: u.rss, heapUsed: u.heapUsed, external: u.external, arrayBuffers: u.arrayBuffers };
}
