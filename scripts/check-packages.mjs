#!/usr/bin/env node
// What someone outside this repository gets (#12): packs every publishable package (as the
// registry would have it, workspace ranges resolved), lints each tarball with publint and
// @arethetypeswrong/cli, then installs the tarballs with plain npm into fresh projects under the
// OS temp directory (outside the workspace, so nothing resolves to it) and runs each package
// README's example there:
//   - with rxjs: tubes' echo server and web-adapter's serve() + fetch round trip;
//   - without rxjs (an optional peer of the cores' packages): h2-frames' encode/decode,
//     h2-flow's client Connection and websocket's two endpoints, from the ./core entries.
// Needs a build (`tsc -b`) and rxjs from the npm registry or npm's cache (--prefer-offline).
//
//   node scripts/check-packages.mjs
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { packPackages, publishablePackages } from './pack-packages.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const work = mkdtempSync(path.join(os.tmpdir(), 'h2tubes-packages-'));

function sh(cmd, args, cwd) {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The first ```js block under "## Example" in a package's README: the example users copy. */
function readmeExample(dir) {
  const readme = readFileSync(path.join(dir, 'README.md'), 'utf8');
  const match = /## Example[\s\S]*?```js\n([\s\S]*?)```/.exec(readme);
  assert.ok(match, `${dir}/README.md has no \`\`\`js example under "## Example"`);
  return match[1];
}

/** A fresh npm project in `work` with `specs` installed; returns its directory. */
function project(name, specs) {
  const dir = path.join(work, name);
  sh('mkdir', ['-p', dir]);
  writeFileSync(
    path.join(dir, 'package.json'),
    `${JSON.stringify({ name, private: true, type: 'module' })}\n`,
  );
  sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...specs], dir);
  return dir;
}

/** Runs the README example of packages/<pkg> in `dir`; returns its stdout. */
function runExample(dir, pkg) {
  const file = path.join(dir, `${pkg}-example.mjs`);
  writeFileSync(file, readmeExample(path.join(root, 'packages', pkg)));
  return execFileSync(process.execPath, [file], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
}

try {
  const packs = packPackages(path.join(work, 'packs'));
  const tarball = Object.fromEntries(packs.map((p) => [p.name, p.tarball]));
  assert.deepEqual(
    packs.map((p) => p.name),
    publishablePackages().map((p) => p.name),
  );

  for (const { name, tarball: file } of packs) {
    // What a reader of the package on the registry needs besides the code.
    const listed = sh('tar', ['-tzf', file], root).split('\n');
    for (const doc of ['README.md', 'LICENSE', 'CHANGELOG.md']) {
      assert.ok(listed.includes(`package/${doc}`), `${name}: ${doc} is not in the tarball`);
    }
    // publint: package.json fields against the files really in the tarball (exports, types, files).
    sh(bin('publint'), ['run', file, '--strict'], root);
    // attw: every entry's types resolve as TypeScript resolves them; ESM-only, so CommonJS `require`
    // and node10 resolution are out of scope (the esm-only profile).
    sh(bin('attw'), [file, '--profile', 'esm-only', '--format', 'ascii'], root);
    console.log(`ok ${name}: README, LICENSE, CHANGELOG; publint, attw`);
  }

  // Every tarball in one install: a package's @h2tubes dependencies (exact versions) resolve to
  // the tarballs given beside it, not to the registry.
  const full = project('with-rxjs', [...packs.map((p) => p.tarball), 'rxjs@^7.8']);
  assert.equal(runExample(full, 'tubes').trim(), 'sebut olleh');
  console.log('ok tubes: README echo example, installed from its tarball');
  assert.equal(runExample(full, 'web-adapter').trim(), "200 { path: '/hello', method: 'GET' }");
  console.log('ok web-adapter: README serve() + fetch example, installed from its tarball');

  const bare = project('without-rxjs', [
    tarball['@h2tubes/tubes'],
    tarball['@h2tubes/h2-frames'],
    tarball['@h2tubes/h2-flow'],
    tarball['@h2tubes/websocket'],
  ]);
  assert.equal(existsSync(path.join(bare, 'node_modules', 'rxjs')), false, 'rxjs was installed');
  const frames = runExample(bare, 'h2-frames');
  assert.match(frames, /HEADERS 1 \[\s*\{ name: ':status', value: '200' \}/);
  assert.match(frames, /DATA 1 hi/);
  console.log('ok h2-frames: README core example, no rxjs installed');
  assert.match(runExample(bare, 'h2-flow'), /stream 1 frames SETTINGS WINDOW_UPDATE FIELD_BLOCK/);
  console.log('ok h2-flow: README core example, no rxjs installed');
  assert.equal(
    runExample(bare, 'websocket').trim(),
    'client got echo: hello\nclient closed 1000  true\nserver closed 1000 done true',
  );
  console.log('ok websocket: README core example, no rxjs installed');
} finally {
  rmSync(work, { recursive: true, force: true });
}
