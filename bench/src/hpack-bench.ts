/**
 * HPACK decode and encode speed over every story of the hpack-test-case subset vendored in
 * packages/h2-frames/test/fixtures, ours against hpack.js (its stream API and its lower-level
 * decompressor) in the same run.
 *
 *   node bench/dist/hpack-bench.js [seconds-per-measure=2]
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type HeaderField, HpackDecoder, HpackEncoder } from '@h2tubes/h2-frames';
// @ts-expect-error hpack.js ships no types
import hpackJs from 'hpack.js';

// The subset of hpack-test-case vendored for h2-frames' tests (bench/dist/ → the repository root).
const CORPUS = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../packages/h2-frames/test/fixtures/hpack-test-case',
);

interface Story {
  blocks: Buffer[];
  lists: HeaderField[][];
  fields: number;
}

function load(): { wire: Story[]; raw: Story[] } {
  const wire: Story[] = [];
  const raw: Story[] = [];
  for (const dir of readdirSync(CORPUS, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const f of readdirSync(path.join(CORPUS, dir.name))) {
      if (!f.endsWith('.json')) continue;
      const cases = JSON.parse(readFileSync(path.join(CORPUS, dir.name, f), 'utf8')).cases as Array<{
        wire?: string;
        headers: Array<Record<string, string>>;
      }>;
      const story: Story = { blocks: [], lists: [], fields: 0 };
      for (const c of cases) {
        if (c.wire !== undefined) story.blocks.push(Buffer.from(c.wire, 'hex'));
        story.lists.push(
          c.headers.map((h) => {
            const [name, value] = Object.entries(h)[0]!;
            return { name, value };
          }),
        );
        story.fields += c.headers.length;
      }
      (dir.name === 'raw-data' ? raw : wire).push(story);
    }
  }
  return { wire, raw };
}

/** Runs `once` (which returns fields processed) repeatedly for ~`seconds`; returns fields/s. */
function measure(seconds: number, once: () => number): number {
  once(); // warm-up
  let fields = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < seconds * 1000) {
    fields += once();
    t = performance.now();
  }
  return fields / ((t - t0) / 1000);
}

export async function run(seconds = Number(process.argv[2] ?? 2)): Promise<void> {
  const { wire, raw } = load();
  const total = wire.reduce((n, s) => n + s.fields, 0);
  console.log(`corpus: ${wire.length} stories with wire blocks, ${total} fields; ${raw.length} raw stories`);

  const ours = measure(seconds, () => {
    for (const s of wire) {
      const d = new HpackDecoder({ maxTableSize: 1 << 16, maxHeaderListSize: 1 << 24 });
      for (const b of s.blocks) d.decode(b);
    }
    return total;
  });
  const jsStream = measure(seconds, () => {
    for (const s of wire) {
      const d = hpackJs.decompressor.create({ table: { maxSize: 1 << 16 } });
      for (const b of s.blocks) {
        d.write(b);
        d.execute();
        while (d.read() !== null);
      }
    }
    return total;
  });
  const fmt = (n: number) => `${(n / 1e6).toFixed(2)} M fields/s`;
  console.log(`decode  h2tubes HpackDecoder      ${fmt(ours)}`);
  console.log(
    `decode  hpack.js decompressor      ${fmt(jsStream)}   (h2tubes ${(ours / jsStream).toFixed(1)}×)`,
  );

  const rawFields = raw.reduce((n, s) => n + s.fields, 0);
  const enc = measure(seconds, () => {
    for (const s of raw) {
      const e = new HpackEncoder();
      for (const l of s.lists) e.encode(l);
    }
    return rawFields;
  });
  const encJs = measure(seconds, () => {
    for (const s of raw) {
      const c = hpackJs.compressor.create({ table: { maxSize: 4096 } });
      for (const l of s.lists) {
        c.write(l);
        while (c.read() !== null);
      }
    }
    return rawFields;
  });
  console.log(`encode  h2tubes HpackEncoder       ${fmt(enc)}`);
  console.log(`encode  hpack.js compressor        ${fmt(encJs)}   (h2tubes ${(enc / encJs).toFixed(1)}×)`);
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
