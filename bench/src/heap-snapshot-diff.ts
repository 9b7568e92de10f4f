/**
 * Heap snapshot diffs for the memory benchmarks: what a process holds after N more idle
 * connections (or WebSockets) than before, per connection, by constructor, by the field that
 * holds each new object, and (closures) by the file and line of their function. Heap snapshot
 * node ids are stable within one process, so "new" is "id not in the before snapshot".
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface Snapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[]];
      edge_fields: string[];
      edge_types: [string[]];
      location_fields?: string[];
    };
  };
  nodes: number[];
  locations?: number[];
  edges: number[];
  strings: string[];
}

/**
 * The objects of `after` that `before` did not have (heap snapshot ids are stable within one
 * process), grouped by what holds them: `Holder.edge → Object`, with count and octets per
 * connection. Names the field, hence the class and file, that each allocation hangs from.
 */
export function newObjectsByHolder(beforePath: string, afterPath: string, per: number): string[] {
  const before = JSON.parse(readFileSync(beforePath, 'utf8')) as Snapshot;
  const fb = before.snapshot.meta.node_fields;
  const idAt = fb.indexOf('id');
  const old = new Set<number>();
  for (let i = 0; i < before.nodes.length; i += fb.length) old.add(before.nodes[i + idAt] ?? 0);
  const snap = JSON.parse(readFileSync(afterPath, 'utf8')) as Snapshot;
  const { node_fields: nf, node_types, edge_fields: ef, edge_types } = snap.snapshot.meta;
  const [nTypes, eTypes] = [node_types[0], edge_types[0]];
  const W = nf.length;
  const EW = ef.length;
  const [iType, iName, iId, iSize, iEdges] = ['type', 'name', 'id', 'self_size', 'edge_count'].map((f) =>
    nf.indexOf(f),
  ) as number[] as [number, number, number, number, number];
  const [eType, eName, eTo] = ['type', 'name_or_index', 'to_node'].map((f) => ef.indexOf(f)) as [
    number,
    number,
    number,
  ];
  const N = snap.nodes;
  const label = (node: number) => {
    const type = nTypes[N[node + iType] ?? 0] ?? '?';
    const name = snap.strings[N[node + iName] ?? 0] ?? '?';
    if (type === 'closure') return `closure ${name || '(anon)'}`;
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string') return '(string)';
    if (type === 'object' || type === 'native') return name.slice(0, 50);
    return `${type}:${name.slice(0, 40)}`;
  };
  const holder = new Map<number, [number, string]>();
  let edge = 0;
  for (let node = 0; node < N.length; node += W) {
    const count = N[node + iEdges] ?? 0;
    for (let k = 0; k < count; k++, edge += EW) {
      const et = eTypes[snap.edges[edge + eType] ?? 0];
      if (et === 'weak' || et === 'shortcut') continue;
      const to = snap.edges[edge + eTo] ?? 0;
      if (holder.has(to) || old.has(N[to + iId] ?? 0)) continue;
      const en = snap.edges[edge + eName] ?? 0;
      const edgeName = et === 'element' || et === 'hidden' ? '[]' : (snap.strings[en] ?? '?');
      holder.set(to, [node, edgeName]);
    }
  }
  // Up through generic holders (arrays, plain objects, contexts, closures) to a named class.
  const generic = /^(Array|Map|Set|Object|array:|system \/ Context|closure|hidden:|native_bind|object shape)/;
  const path = (node: number): string => {
    const parts: string[] = [];
    for (let at = node, depth = 0; depth < 4; depth++) {
      const h = holder.get(at);
      if (h === undefined) return ['(root)', ...parts].join('');
      const [from, edgeName] = h;
      parts.unshift(`.${edgeName}`);
      const l = label(from);
      if (!generic.test(l) || depth === 3) return [l, ...parts].join('');
      at = from;
    }
    return parts.join('');
  };
  const groups = new Map<string, { count: number; size: number }>();
  for (let node = 0; node < N.length; node += W) {
    if (old.has(N[node + iId] ?? 0)) continue;
    const key = `${path(node)} → ${label(node)}`;
    const g = groups.get(key) ?? { count: 0, size: 0 };
    g.count++;
    g.size += N[node + iSize] ?? 0;
    groups.set(key, g);
  }
  return [...groups.entries()]
    .filter(([, g]) => g.count >= per * 0.9)
    .sort((a, b) => b[1].size - a[1].size)
    .slice(0, 60)
    .map(
      ([k, g]) =>
        `  ${(g.size / per).toFixed(0).padStart(6)} B ${(g.count / per).toFixed(1).padStart(5)} ×  ${k}`,
    );
}

/**
 * The closures of `after` that `before` did not have, by where their function is written
 * (`file:line name`), and the Contexts they keep (each new Context counted under the first new
 * closure that reaches it through `context` and `previous`), per connection: which functions each
 * idle connection allocates, the targets of the next trim.
 */
export function newClosuresBySource(beforePath: string, afterPath: string, per: number): string[] {
  const before = JSON.parse(readFileSync(beforePath, 'utf8')) as Snapshot;
  const idAt = before.snapshot.meta.node_fields.indexOf('id');
  const old = new Set<number>();
  const bw = before.snapshot.meta.node_fields.length;
  for (let i = 0; i < before.nodes.length; i += bw) old.add(before.nodes[i + idAt] ?? 0);
  const snap = JSON.parse(readFileSync(afterPath, 'utf8')) as Snapshot;
  const { node_fields: nf, node_types, edge_fields: ef, edge_types } = snap.snapshot.meta;
  const [nTypes, eTypes] = [node_types[0], edge_types[0]];
  const [W, EW] = [nf.length, ef.length];
  const [iType, iName, iId, iSize, iEdges] = ['type', 'name', 'id', 'self_size', 'edge_count'].map((f) =>
    nf.indexOf(f),
  ) as [number, number, number, number, number];
  const [eName, eTo] = ['name_or_index', 'to_node'].map((f) => ef.indexOf(f)) as [number, number];
  const N = snap.nodes;
  const firstEdge = new Uint32Array(N.length / W + 1);
  for (let node = 0, edge = 0; node < N.length; node += W) {
    firstEdge[node / W] = edge;
    edge += (N[node + iEdges] ?? 0) * EW;
  }
  // The node an edge of `node` named `name` leads to (internal edges name their field too).
  const follow = (node: number, name: string): number | undefined => {
    const from = firstEdge[node / W] ?? 0;
    for (let k = 0; k < (N[node + iEdges] ?? 0); k++) {
      const e = from + k * EW;
      if (eTypes[snap.edges[e] ?? 0] !== 'element' && snap.strings[snap.edges[e + eName] ?? 0] === name)
        return snap.edges[e + eTo];
    }
    return undefined;
  };
  const lineOf = new Map<number, number>();
  const lf = snap.snapshot.meta.location_fields ?? [];
  const locations = snap.locations ?? [];
  for (let i = 0; i < locations.length; i += lf.length) lineOf.set(locations[i] ?? 0, locations[i + 2] ?? 0);
  const isNew = (node: number) => !old.has(N[node + iId] ?? 0);
  const groups = new Map<string, { closures: number; size: number; contexts: number; contextSize: number }>();
  const counted = new Set<number>();
  for (let node = 0; node < N.length; node += W) {
    if (nTypes[N[node + iType] ?? 0] !== 'closure' || !isNew(node)) continue;
    const shared = follow(node, 'shared');
    const script = shared === undefined ? undefined : follow(shared, 'script_or_debug_info');
    const file = script === undefined ? '?' : (snap.strings[N[script + iName] ?? 0] ?? '?');
    const where = `${file.replace(/^.*\/packages\//, '').replace(/^file:\/\//, '')}:${(lineOf.get(node) ?? -1) + 1}`;
    const key = `${where} ${snap.strings[N[node + iName] ?? 0] || '(anon)'}`;
    const g = groups.get(key) ?? { closures: 0, size: 0, contexts: 0, contextSize: 0 };
    g.closures++;
    g.size += N[node + iSize] ?? 0;
    for (let ctx = follow(node, 'context'); ctx !== undefined && isNew(ctx) && !counted.has(ctx); ) {
      counted.add(ctx);
      g.contexts++;
      g.contextSize += N[ctx + iSize] ?? 0;
      ctx = follow(ctx, 'previous');
    }
    groups.set(key, g);
  }
  return [...groups.entries()]
    .filter(([, g]) => g.closures >= per * 0.5)
    .sort((a, b) => b[1].size + b[1].contextSize - a[1].size - a[1].contextSize)
    .map(
      ([k, g]) =>
        `  ${((g.size + g.contextSize) / per).toFixed(0).padStart(6)} B ${(g.closures / per).toFixed(1).padStart(5)} closures ${(g.contexts / per).toFixed(1).padStart(4)} contexts  ${k}`,
    );
}

export function countByConstructor(path: string): Map<string, { count: number; size: number }> {
  const snap = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [
    number,
    number,
    number,
  ];
  const out = new Map<string, { count: number; size: number }>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + iType] ?? 0] ?? '?';
    let name = snap.strings[snap.nodes[i + iName] ?? 0] ?? '?';
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string') name = '(strings)';
    else if (type === 'number') name = '(heap numbers)';
    else if (type === 'closure') name = `closure ${name || '(anonymous)'}`;
    else if (type === 'code') name = '(compiled code)';
    else if (type === 'hidden' || type === 'array' || type === 'native')
      name = `${type} ${name.slice(0, 60)}`;
    const e = out.get(name) ?? { count: 0, size: 0 };
    e.count++;
    e.size += snap.nodes[i + iSize] ?? 0;
    out.set(name, e);
  }
  return out;
}

/**
 * Prints the diff of `before.heapsnapshot` and `after.heapsnapshot` in `dir` for `what` (say
 * "serve()" or "h1 WebSocket"), per one of the `per` new units: the constructors, the holders,
 * and with `closures` the new closures by source.
 */
export function printHeapDiff(dir: string, what: string, per: number, closures: boolean): void {
  const beforePath = join(dir, 'before.heapsnapshot');
  const afterPath = join(dir, 'after.heapsnapshot');
  const before = countByConstructor(beforePath);
  const after = countByConstructor(afterPath);
  const diff = [...after.entries()]
    .map(([name, a]) => {
      const b = before.get(name) ?? { count: 0, size: 0 };
      return { name, count: (a.count - b.count) / per, size: (a.size - b.size) / per };
    })
    .filter((d) => d.count >= 0.9 || d.size >= 64)
    .sort((x, y) => y.size - x.size);
  const total = diff.reduce((s, d) => s + Math.max(0, d.size), 0);
  console.log(`${what}: JS heap objects per unit (${per}, snapshot diff): ~${total.toFixed(0)} B`);
  for (const d of diff.slice(0, 45)) {
    console.log(`  ${d.size.toFixed(0).padStart(7)} B  ${d.count.toFixed(1).padStart(6)} ×  ${d.name}`);
  }
  console.log(`${what}: the same new objects by holder (Holder.field → Object), per unit:`);
  for (const line of newObjectsByHolder(beforePath, afterPath, per)) console.log(line);
  if (closures) {
    console.log(
      `${what}: the new closures by source (file:line name) with the Contexts they keep, per unit:`,
    );
    for (const line of newClosuresBySource(beforePath, afterPath, per)) console.log(line);
  }
}
