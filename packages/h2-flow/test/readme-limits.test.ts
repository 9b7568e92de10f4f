/**
 * The README's "Limits every connection enforces" table is what users read to size a server; it
 * must say what the code does. Every `LimitName` has its row, every option the section names is a
 * `ConnectionOptions` field, and every default it gives is `resolveOptions`' default.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type ConnectionOptions, type LimitName, type ResolvedOptions, resolveOptions } from '../src/core.js';

/** Each limit's options; a `Record` so that a new `LimitName` fails type-checking here until listed. */
const limitOptions: Record<LimitName, readonly (keyof ConnectionOptions)[]> = {
  concurrentStreams: ['maxConcurrentStreams'],
  headerListSize: ['maxHeaderListSize'],
  rapidReset: ['rapidResetBurst', 'rapidResetRefillPerSecond'],
  queuedControlFrames: ['maxQueuedControlFrames'],
  emptyDataFrames: ['maxEmptyDataFrames'],
  localResets: ['maxLocalResets'],
  prefaceTimeout: ['prefaceTimeoutMs'],
  settingsTimeout: ['settingsTimeoutMs'],
  keepaliveTimeout: ['keepaliveIntervalMs', 'keepaliveTimeoutMs'],
  idleTimeout: ['idleTimeoutMs'],
  requestBodyTimeout: ['requestBodyTimeoutMs'],
  minRequestBodyRate: ['minRequestBodyRate', 'minRequestBodyRateGraceMs'],
};

const UNIT: Record<string, number> = {
  '': 1,
  octets: 1,
  'octets/s': 1,
  ms: 1,
  s: 1000,
  min: 60_000,
  MiB: 1 << 20,
};

/** "65 536" → 65536, "5" + "min" → 300000. */
function value(digits: string, unit: string | undefined): number {
  return Number(digits.replaceAll(' ', '')) * UNIT[unit ?? '']!;
}

function limitsSection(): string {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const match = /## Limits every connection enforces\n([\s\S]*?)\n## /.exec(readme);
  if (!match) throw new Error('README.md has no "## Limits every connection enforces" section');
  return match[1]!;
}

/** The table's rows: limit name → its "option: default" cell. */
function tableRows(section: string): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of section.split('\n')) {
    const cells = /^\| `(\w+)` +\|(.*?)\|/.exec(line);
    if (cells) rows.set(cells[1]!, cells[2]!);
  }
  return rows;
}

/**
 * Every default the section states: `` `option`: 100 ``, `` `option` 65 535 ``, `` `option`: 10 s ``,
 * and the role pair `` `idleTimeoutMs`: 5 min (server), 0 (client) ``.
 */
function statedDefaults(
  section: string,
): Array<{ option: string; role: 'server' | 'client'; value: number }> {
  const unit = '(?: (ms|s|min|MiB|octets/s|octets))?';
  const re = new RegExp(
    `\`(\\w+)\`:? (\\d[\\d ]*\\d|\\d)${unit}(?: \\((server|client)\\), (\\d[\\d ]*\\d|\\d)${unit} \\(client\\))?`,
    'g',
  );
  const out: Array<{ option: string; role: 'server' | 'client'; value: number }> = [];
  for (const m of section.matchAll(re)) {
    const [, option, digits, u, role, clientDigits, clientUnit] = m;
    out.push({ option: option!, role: role === 'client' ? 'client' : 'server', value: value(digits!, u) });
    if (clientDigits !== undefined)
      out.push({ option: option!, role: 'client', value: value(clientDigits, clientUnit) });
  }
  return out;
}

const defaults: Record<'server' | 'client', ResolvedOptions> = {
  server: resolveOptions({ role: 'server' }),
  client: resolveOptions({ role: 'client' }),
};

describe('h2-flow README: the limits table', () => {
  const section = limitsSection();
  const rows = tableRows(section);

  it('has one row per LimitName, naming that limit’s options', () => {
    expect([...rows.keys()].sort()).toEqual(Object.keys(limitOptions).sort());
    for (const [limit, options] of Object.entries(limitOptions)) {
      const named = [...rows.get(limit)!.matchAll(/`(\w+)`/g)].map((m) => m[1]);
      expect(named, limit).toEqual(options);
    }
  });

  it('states the defaults resolveOptions fills in', () => {
    const stated = statedDefaults(section);
    // Every option of every row has its default stated, plus the windows and frame size below it.
    const expectedOptions = [
      ...Object.values(limitOptions).flat(),
      'initialWindowSize',
      'connectionWindowSize',
      'maxFrameSize',
    ];
    expect(new Set(stated.map((s) => s.option))).toEqual(new Set(expectedOptions));
    for (const { option, role, value } of stated) {
      expect(value, `${option} (${role})`).toBe(defaults[role][option as keyof ResolvedOptions]);
    }
  });

  it('gives the idle timeout per role, as the code defaults differ', () => {
    const idle = statedDefaults(section).filter((s) => s.option === 'idleTimeoutMs');
    expect(idle.map((s) => s.role).sort()).toEqual(['client', 'server']);
  });
});
