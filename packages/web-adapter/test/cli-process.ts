/**
 * Runs the built `h2tubes` CLI (dist/cli/main.js, what the package's `bin` points at) as a child
 * process, the way a user does, and reads what it prints. The tests need `npx tsc -b` first (as
 * `npm test` does).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('./fixtures/cli/', import.meta.url));

/** A running CLI: its process and everything it has printed so far. */
export interface CliRun {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  readonly exited: Promise<number | string>;
}

/** Starts `node <script> ...args` with `env` added to this process's environment. */
export function startNode(script: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): CliRun {
  if (!existsSync(script)) throw new Error(`${script} is missing: build first (npx tsc -b)`);
  const child = spawn(process.execPath, [script, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise<number | string>((resolve) =>
      child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
    ),
  };
  child.stdout?.setEncoding('utf8').on('data', (s: string) => {
    run.stdout += s;
  });
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    run.stderr += s;
  });
  return run;
}

/**
 * Resolves once stdout has a line matching `pattern`; rejects with what was printed if the
 * process exits first.
 */
export function waitForOutput(run: CliRun, pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (!pattern.test(run.stdout)) return;
      run.child.stdout?.off('data', check);
      resolve();
    };
    run.child.stdout?.on('data', check);
    check();
    void run.exited.then((code) =>
      reject(new Error(`exited (${code}) before printing ${pattern}:\n${run.stdout}\n${run.stderr}`)),
    );
  });
}

/** Kills the process if it still runs and waits for it to be gone. */
export async function stop(run: CliRun | undefined): Promise<void> {
  if (run === undefined) return;
  if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
  await run.exited;
}
