/**
 * Children for the benchmarks that run each server in a process of its own: the memory benchmarks
 * (`--expose-gc`, so that a server's RSS is its own) and the bulk ones (see `startRowInChild`).
 * A child answers the parent over IPC.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { getHeapSpaceStatistics } from 'node:v8';
import type { Running } from './bulk-download-util.js';

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

/** `Memory` once idle, with whether the young generation got back to its idle size, and when. */
export interface IdleMemory extends Memory {
  readonly settled?: boolean;
  readonly waitedMs?: number;
}

/** The committed size of V8's young generation (both semi-spaces), in octets. */
function youngGenerationSize(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
}

/** The young generation's size once the child started serving, before any client: its idle size. */
let idleYoungGenerationSize = youngGenerationSize();

/**
 * In the child, once its server listens: notes the young generation's size as its idle size. A
 * child imports its row's packages when it starts the row, and loading modules grows the young
 * generation (node:http2 alone: 2 MiB; with our packages: 8 MiB), so the size when this module
 * was loaded is too early.
 */
export function noteIdleYoungGeneration(): void {
  idleYoungGenerationSize = youngGenerationSize();
}

/**
 * In the child: this process's memory once it has gone idle. A burst of allocation that survives
 * scavenges (say, a few thousand connections' state being set up) makes V8 double its semi-spaces
 * (up to 16 MiB each, ~20 MiB resident more); V8's memory reducer gives that back by itself a few
 * seconds (~8–15 s) after the process goes quiet. `settledMemory` right after the burst measures
 * that transient young generation; this waits (polling, `maxWaitMs` at most) until the young
 * generation is back at its start-up size, so that what is left is what the idle process holds.
 * `settled` says whether it got there in time. Needs `--expose-gc` for the collections.
 */
export async function idleMemory(maxWaitMs = 60_000): Promise<IdleMemory> {
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 50));
  }
  const start = Date.now();
  while (youngGenerationSize() > idleYoungGenerationSize && Date.now() - start < maxWaitMs) {
    await new Promise((r) => setTimeout(r, 250));
  }
  const u = process.memoryUsage();
  return {
    rss: u.rss,
    heapUsed: u.heapUsed,
    external: u.external,
    arrayBuffers: u.arrayBuffers,
    settled: youngGenerationSize() <= idleYoungGenerationSize,
    waitedMs: Date.now() - start,
  };
}

/** The argument that makes a benchmark's module serve one row of its server table instead of running. */
const SERVE_ROW = '--serve-row=';

/**
 * Starts row `index` of a benchmark's server table in a child process of its own: the benchmark's
 * `module` run again with `--serve-row=index` and `args`, loading only what that row imports.
 * Why a process per server, and a lean one: V8 collects a process's heap as a whole, and how
 * often depends on the whole heap. With more than ~8 MB of old generation (node:http2 alone has
 * ~4 MB; with @h2tubes/web-adapter and undici loaded, ~9 MB), a process receiving bulk bytes runs
 * a mark-compact every few dozen MiB; so a node:http2 row sharing a process with our modules,
 * or with another row's garbage, measured slower than it is (2026-12-02, a 256 MiB upload:
 * node:http2 counting 467 MiB/s in a child that had imported our packages, 930 in a lean one).
 * `execArgv` are node's own flags for the child (a bench passes V8 flags to every row alike).
 */
export async function startRowInChild(
  module: string,
  index: number,
  args: string[] = [],
  execArgv: string[] = [],
): Promise<Running> {
  const { proc, next } = forkChild(module, [`${SERVE_ROW}${index}`, ...args], execArgv);
  const { port } = (await next()) as { port: number };
  return { port, close: () => stopChild(proc) };
}

/** In a child started by `startRowInChild`: the index of the row to serve; undefined otherwise. */
export function rowToServe(): number | undefined {
  const arg = process.argv.find((a) => a.startsWith(SERVE_ROW));
  return arg === undefined ? undefined : Number(arg.slice(SERVE_ROW.length));
}

/** In the child: starts the row's server and tells the parent its port. */
export async function serveRow(start: (() => Promise<Running>) | undefined): Promise<void> {
  if (start === undefined) throw new Error(`no server row ${rowToServe()}`);
  const running = await start();
  process.send?.({ port: running.port });
}
