#!/usr/bin/env node
// Packs every publishable package of packages/* (those not "private") into one directory, as
// `pnpm pack` makes them for the registry: `workspace:*` ranges become the packages' versions.
// The packages must be built first (`tsc -b`): the tarballs carry dist/.
//
//   node scripts/pack-packages.mjs [out-dir=.packs]    prints one tarball path per line
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The publishable packages: { name, dir } of each non-private packages/<dir>/package.json. */
export function publishablePackages() {
  const out = [];
  for (const entry of readdirSync(path.join(root, 'packages'), { withFileTypes: true })) {
    const file = path.join(root, 'packages', entry.name, 'package.json');
    if (!entry.isDirectory() || !existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8'));
    if (!pkg.private) out.push({ name: pkg.name, dir: path.dirname(file) });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** Packs each publishable package into `outDir`; returns [{ name, tarball }]. */
export function packPackages(outDir) {
  mkdirSync(outDir, { recursive: true });
  return publishablePackages().map(({ name, dir }) => {
    for (const built of ['dist/index.js', 'dist/index.d.ts']) {
      if (!existsSync(path.join(dir, built)))
        throw new Error(`${name}: ${built} is missing; run tsc -b first`);
    }
    // The same pnpm as the workspace (package.json "packageManager"), through npm.
    const stdout = execFileSync(
      'npm',
      ['exec', '--yes', 'pnpm@10.34.8', '--', 'pack', '--pack-destination', path.resolve(outDir)],
      { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const tarball = stdout
      .trim()
      .split('\n')
      .map((l) => l.trim())
      .findLast((l) => l.endsWith('.tgz'));
    if (tarball === undefined) throw new Error(`${name}: pnpm pack printed no tarball:\n${stdout}`);
    return { name, tarball: path.resolve(outDir, path.basename(tarball)) };
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const { tarball } of packPackages(path.resolve(process.argv[2] ?? path.join(root, '.packs')))) {
    console.log(tarball);
  }
}
