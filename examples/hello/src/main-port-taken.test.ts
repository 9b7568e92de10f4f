/**
 * `npm start`'s program (dist/main.js) on a taken port: exactly one line on stderr naming the
 * address and the variable to change (PORT or H2C_PORT), exit status 1, no stack trace.
 * Needs a build first (`npm test` runs `tsc -b`).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
let taken: net.Server;
let port: number;

beforeAll(async () => {
  taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  port = (taken.address() as net.AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => taken.close(resolve));
});

/** Runs main.js with `env` to its exit; the taken port makes it exit at start. */
function runMain(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: build first (npx tsc -b)`);
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    stdout += s;
  });
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
  });
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

it('names H2C_PORT when the h2c port is taken', async () => {
  const { code, stdout, stderr } = await runMain({ PORT: '0', H2C_PORT: String(port) });
  expect(code).toBe(1);
  expect(stderr).toBe(
    `hello: cannot listen on 127.0.0.1:${port}: the port is already in use (EADDRINUSE); set H2C_PORT to choose another port (0 picks a free one)\n`,
  );
  expect(stdout).toBe('');
});

it('names PORT when the TLS port is taken', async () => {
  const { code, stderr } = await runMain({ PORT: String(port), H2C_PORT: '0' });
  expect(code).toBe(1);
  expect(stderr).toBe(
    `hello: cannot listen on 127.0.0.1:${port}: the port is already in use (EADDRINUSE); set PORT to choose another port (0 picks a free one)\n`,
  );
});
