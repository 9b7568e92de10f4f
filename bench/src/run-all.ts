/**
 * Runs every benchmark in one process tree so that ratios against node:http2 (or the raw socket)
 * are measured under the same machine load. Each benchmark also runs alone:
 * `node bench/dist/<name>.js` after `pnpm build`.
 */
import { ratiosInLines, recordedRatios, recordRatio, writeResults } from './chart.js';

/** Copies what console.log prints until stop(). */
function captureLog(): { text: string[]; stop(): void } {
  const text: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => {
    text.push(args.map(String).join(' '));
    log(...args);
  };
  return { text, stop: () => (console.log = log) };
}

// The names are ours; each benchmark reads its own arguments from argv, so leave it none (defaults).
const names = process.argv.splice(2);
const all = [
  'tubes-echo',
  'frames-bench',
  'hpack-bench',
  'flow-core-bench',
  'receive-path',
  'h2load-e2e',
  'client-e2e',
  'bulk-download',
  'bulk-upload',
  'latency',
  'idle-memory',
  'websocket-echo',
];

for (const name of names.length > 0 ? names : all) {
  const mod: { run?: () => Promise<void> } = await import(`./${name}.js`).catch((e: unknown) => {
    console.log(`${name}: not available (${(e as Error).message})`);
    return {};
  });
  if (mod.run) {
    console.log(`\n## ${name}`);
    const recorded = recordedRatios().length;
    const lines = captureLog();
    try {
      await mod.run();
    } finally {
      lines.stop();
    }
    // Benchmarks that print their ratios without recording them: read the ratios off their lines.
    if (recordedRatios().length === recorded)
      for (const row of ratiosInLines(name, lines.text)) recordRatio(row);
  }
}
writeResults();
