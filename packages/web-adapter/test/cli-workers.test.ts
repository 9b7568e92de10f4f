/**
 * `h2tubes serve --workers 2`: the workers share the ports through node:cluster, one banner is
 * printed, requests are answered, and SIGINT to the primary closes every worker gracefully
 * (status 0).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { CLI, type CliRun, FIXTURES, startNode, stop, waitForOutput } from './cli-process.js';

const run = promisify(execFile);
const cache = mkdtempSync(path.join(tmpdir(), 'h2tubes-cli-workers-'));
let cli: CliRun | undefined;

afterAll(async () => {
  await stop(cli);
  rmSync(cache, { recursive: true, force: true });
});

it('serves from two workers and closes them all on SIGINT', async () => {
  cli = startNode(
    CLI,
    ['serve', path.join(FIXTURES, 'fetch-object.js'), '--port', '0', '--h2c-port', '0', '--workers', '2'],
    { XDG_CACHE_HOME: cache },
  );
  await waitForOutput(cli, /^Ctrl-C/m);
  expect(cli.stdout).toMatch(/^h2tubes: starting 2 worker processes$/m);
  expect(cli.stdout.match(/^h2tubes: serving /gm)).toHaveLength(1);
  const h2cUrl = /^ {2}(http:\/\/\S+)/m.exec(cli.stdout)?.[1] ?? '';
  for (const name of ['a', 'b', 'c']) {
    const { stdout } = await run('curl', [
      '-sS',
      '--max-time',
      '20',
      '--http2-prior-knowledge',
      `${h2cUrl}${name}`,
    ]);
    expect(stdout).toBe(`object says hello to /${name}\n`);
  }
  cli.child.kill('SIGINT');
  expect(await cli.exited, `stdout:\n${cli.stdout}\nstderr:\n${cli.stderr}`).toBe(0);
});
