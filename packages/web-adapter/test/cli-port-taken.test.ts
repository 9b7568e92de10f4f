/**
 * `h2tubes serve` on a port that is taken: exactly one line on stderr naming the address and the
 * flag or environment variable that picks another port, exit status 1, no stack trace — for
 * the h2c port (bound after the TLS one, which must be closed again) and for the TLS port.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { CLI, type CliRun, FIXTURES, startNode, stop } from './cli-process.js';

const cache = mkdtempSync(path.join(tmpdir(), 'h2tubes-cli-'));
let taken: net.Server;
let port: number;
let cli: CliRun | undefined;

beforeAll(async () => {
  taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  port = (taken.address() as net.AddressInfo).port;
});

afterEach(async () => {
  await stop(cli);
  cli = undefined;
});

afterAll(async () => {
  await new Promise((resolve) => taken.close(resolve));
  rmSync(cache, { recursive: true, force: true });
});

async function serveAndFail(args: readonly string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  cli = startNode(CLI, ['serve', path.join(FIXTURES, 'bare-function.js'), ...args], {
    XDG_CACHE_HOME: cache,
    ...env,
  });
  expect(await cli.exited).toBe(1);
  return cli;
}

it('names the h2c port and --h2c-port / H2C_PORT when the h2c port is taken', async () => {
  const run = await serveAndFail(['--port', '0', '--h2c-port', String(port)], {});
  expect(run.stderr).toBe(
    `h2tubes: cannot listen on 127.0.0.1:${port}: the port is already in use (EADDRINUSE); choose another port with --h2c-port or H2C_PORT (0 picks a free one)\n`,
  );
  expect(run.stdout).toBe('');
});

it('names --port / PORT when the TLS port given in PORT is taken', async () => {
  const run = await serveAndFail([], { PORT: String(port), H2C_PORT: '0' });
  expect(run.stderr).toBe(
    `h2tubes: cannot listen on 127.0.0.1:${port}: the port is already in use (EADDRINUSE); choose another port with --port or PORT (0 picks a free one)\n`,
  );
});
