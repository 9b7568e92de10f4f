/**
 * `h2tubes serve` on a module it cannot serve says why in one line and exits 1: a file that is
 * not there, a module without a default export (with the shapes it takes), a TypeScript file
 * this Node does not import by itself (with how to serve it). `--help` lists every flag with its
 * environment variable.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import { CLI, type CliRun, FIXTURES, startNode, stop } from './cli-process.js';

const dir = mkdtempSync(path.join(tmpdir(), 'h2tubes-cli-module-'));
let cli: CliRun | undefined;

afterEach(async () => {
  await stop(cli);
  cli = undefined;
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function serveAndFail(module: string): Promise<string> {
  cli = startNode(CLI, ['serve', module, '--port', '0', '--h2c-port', '0'], { XDG_CACHE_HOME: dir });
  expect(await cli.exited).toBe(1);
  expect(cli.stderr.split('\n')).toHaveLength(2); // one line and its newline
  return cli.stderr;
}

it('names a module file that does not exist', async () => {
  const missing = path.join(dir, 'nope.js');
  expect(await serveAndFail(missing)).toBe(
    `h2tubes: cannot find the module ${missing} (no file ${missing})\n`,
  );
});

it('lists the accepted shapes when there is no default export', async () => {
  const module = path.join(FIXTURES, 'no-default.js');
  expect(await serveAndFail(module)).toBe(
    `h2tubes: ${module} has no default export; give it one: export default { fetch(request) { ... } }, a Hono app, or a (request) => Response function\n`,
  );
});

it('says how to serve a TypeScript module when Node cannot import it', async (context) => {
  // Node 22.6+ may strip the types itself; there the module is simply served.
  if (!process.versions.node.startsWith('20.')) context.skip();
  const module = path.join(dir, 'app.ts');
  writeFileSync(module, 'export default (request: Request): Response => new Response("hi");\n');
  expect(await serveAndFail(module)).toContain(
    `this Node cannot import .ts files; build it and serve the .js, or use a loader: NODE_OPTIONS='--import tsx' h2tubes serve ${module}`,
  );
});

it('lists every flag with its environment variable in --help', async () => {
  cli = startNode(CLI, ['--help']);
  expect(await cli.exited).toBe(0);
  for (const [flag, variable] of [
    ['--port', 'PORT'],
    ['--h2c-port', 'H2C_PORT'],
    ['--host', 'HOST'],
    ['--cert', 'H2TUBES_CERT'],
    ['--key', 'H2TUBES_KEY'],
    ['--workers', 'H2TUBES_WORKERS'],
  ])
    expect(cli.stdout).toMatch(new RegExp(`${flag} \\S+ +${variable} `));
  expect(cli.stdout).toContain("NODE_OPTIONS='--import tsx'");
});
