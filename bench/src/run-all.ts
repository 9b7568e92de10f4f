/**
 * Runs every benchmark in one process tree so that ratios against node:http2 (or the raw socket)
 * are measured under the same machine load. Each benchmark also runs alone:
 * `node bench/dist/<name>.js` after `pnpm build`.
 */
// The names are ours; each benchmark reads its own arguments from argv, so leave it none (defaults).
const names = process.argv.splice(2);
const all = ['tubes-echo', 'frames-bench', 'hpack-bench', 'flow-core-bench', 'h2load-e2e', 'client-e2e'];

for (const name of names.length > 0 ? names : all) {
  const mod: { run?: () => Promise<void> } = await import(`./${name}.js`).catch((e: unknown) => {
    console.log(`${name}: not available (${(e as Error).message})`);
    return {};
  });
  if (mod.run) {
    console.log(`\n## ${name}`);
    await mod.run();
  }
}
