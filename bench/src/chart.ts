/**
 * Collects the ratios the benchmarks print (against node:http2 or the raw socket, measured in the
 * same run) and writes them as bench/results/latest.json and a small hand-drawn SVG bar chart,
 * bench/results/ratios.svg (no dependency). Benchmarks call `recordRatio`; run-all calls
 * `writeResults` at the end.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface RatioRow {
  readonly bench: string;
  readonly row: string;
  /** > 1 is better than the reference for throughput; for latency and memory the ratio is inverted so > 1 is still better. */
  readonly ratio: number;
  /** What the ratio compares, e.g. 'MiB/s vs node:http2'. */
  readonly measure: string;
  /** The measured value of the row and of its reference, for the JSON. */
  readonly value?: number;
  readonly reference?: number;
}

const rows: RatioRow[] = [];

export function recordRatio(row: RatioRow): void {
  rows.push(row);
}

export function recordedRatios(): readonly RatioRow[] {
  return rows;
}

/** Ratios in the printed lines of the benchmarks that do not call `recordRatio` (their formats). */
export function ratiosInLines(bench: string, lines: readonly string[]): RatioRow[] {
  const out: RatioRow[] = [];
  for (const line of lines.flatMap((l) => l.split('\n'))) {
    const vsNode = /^\s+(\S.*?)\s{2,}.*ratio to node:http2 ([\d.]+)/.exec(line);
    if (vsNode?.[1] && !vsNode[1].startsWith('node:http2')) {
      out.push({ bench, row: vsNode[1].trim(), ratio: Number(vsNode[2]), measure: 'req/s vs node:http2' });
    }
    const echo = /median per-round ratio ([\d.]+)/.exec(line);
    if (echo)
      out.push({ bench, row: 'tubes echo vs raw pipe', ratio: Number(echo[1]), measure: 'MB/s vs raw pipe' });
    const hpack = /^(decode|encode)\s+hpack\.js.*\(h2tubes ([\d.]+)×\)/.exec(line);
    if (hpack)
      out.push({
        bench,
        row: `${hpack[1]} vs hpack.js`,
        ratio: Number(hpack[2]),
        measure: 'ops/s vs hpack.js',
      });
  }
  return out;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A horizontal bar per row; a line at 1.0 (parity with the reference); bars ≥ 1 green, < 1 orange. */
export function ratiosSvg(data: readonly RatioRow[], subtitle: string): string {
  const labelW = 430;
  const barW = 360;
  const rowH = 18;
  const top = 46;
  // The axis stops at 3×: larger ratios (the HPACK codec against hpack.js) are drawn to the edge, labelled.
  const maxRatio = Math.min(3, Math.max(2, ...data.map((r) => (Number.isFinite(r.ratio) ? r.ratio : 0))));
  const x = (v: number) => labelW + (Math.min(v, maxRatio) / maxRatio) * barW;
  const height = top + data.length * rowH + 30;
  const width = labelW + barW + 60;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<title>h2tubes benchmark ratios against node:http2, ${esc(subtitle)}</title>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="8" y="16" font-size="14" font-weight="bold">h2tubes / reference, same run (higher is better; 1.0 = parity)</text>`,
    `<text x="8" y="32" fill="#555">${esc(subtitle)}</text>`,
  ];
  for (const [i, r] of data.entries()) {
    const y = top + i * rowH;
    const ok = Number.isFinite(r.ratio);
    const fill = ok && r.ratio >= 1 ? '#3a9d5d' : '#e08a2e';
    out.push(`<text x="${labelW - 6}" y="${y + 12}" text-anchor="end">${esc(`${r.bench}: ${r.row}`)}</text>`);
    if (ok) {
      out.push(
        `<rect x="${labelW}" y="${y + 3}" width="${(x(r.ratio) - labelW).toFixed(1)}" height="${rowH - 6}" fill="${fill}"/>`,
      );
      out.push(`<text x="${(x(r.ratio) + 4).toFixed(1)}" y="${y + 12}">${r.ratio.toFixed(2)}</text>`);
    } else {
      out.push(`<text x="${labelW + 4}" y="${y + 12}" fill="#a00">n/a</text>`);
    }
  }
  const one = x(1).toFixed(1);
  out.push(
    `<line x1="${one}" y1="${top - 4}" x2="${one}" y2="${top + data.length * rowH + 4}" stroke="#000" stroke-dasharray="3,2"/>`,
  );
  out.push(`<text x="${one}" y="${top + data.length * rowH + 18}" text-anchor="middle">1.0</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** Writes bench/results/latest.json and bench/results/ratios.svg from what was recorded. */
export function writeResults(dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'results')): void {
  if (rows.length === 0) return;
  mkdirSync(dir, { recursive: true });
  // A run of some benchmarks replaces their rows and keeps the other benchmarks' from the last run.
  const ran = new Set(rows.map((r) => r.bench));
  let kept: RatioRow[] = [];
  try {
    const last = JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8')) as { rows: RatioRow[] };
    kept = last.rows.filter((r) => !ran.has(r.bench));
  } catch {
    // no earlier results
  }
  const all = [...kept, ...rows];
  const date = new Date().toISOString().slice(0, 10);
  const machine = `${os.availableParallelism()} cores, Node ${process.versions.node.split('.')[0]}`;
  writeFileSync(
    join(dir, 'latest.json'),
    `${JSON.stringify(
      {
        date,
        machine,
        node: process.version,
        command: process.argv
          .slice(1)
          .map((a) => a.replace(/^.*\/bench\//, 'bench/'))
          .join(' '),
        rows: all,
      },
      null,
      2,
    )}\n`,
  );
  writeFileSync(
    join(dir, 'ratios.svg'),
    ratiosSvg(all, `${date}, ${machine}, npm run bench (medians of interleaved rounds)`),
  );
  console.log(
    `\nwrote ${rows.length} ratios (${kept.length} kept from the last run) to bench/results/latest.json and bench/results/ratios.svg`,
  );
}

/** `node bench/dist/chart.js`: redraws bench/results/ratios.svg from bench/results/latest.json. */
if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');
  const saved = JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8')) as {
    date: string;
    machine: string;
    rows: RatioRow[];
  };
  writeFileSync(
    join(dir, 'ratios.svg'),
    ratiosSvg(saved.rows, `${saved.date}, ${saved.machine}, npm run bench (medians of interleaved rounds)`),
  );
}
