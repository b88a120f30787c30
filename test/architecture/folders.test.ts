/**
 * The folders read as the pipeline, and no two folders depend on each other (the lint's
 * import/no-cycle sees files only: a feature importing another's file while that one imports back
 * a third file is a cycle between folders it cannot see). Each folder of lib/features, lib/server
 * and lib/ is a unit; test files are left out (a test may reach across).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SCANNED = ['lib', 'app', 'components'];
const EXTS = ['.ts', '.tsx', '/index.ts', '/index.tsx'];

function files(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir)).flatMap((name) => {
    const rel = path.join(dir, name);
    if (rel === 'lib/generated') return [];
    if (statSync(path.join(ROOT, rel)).isDirectory()) return files(rel);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [rel] : [];
  });
}

/** The folder a file belongs to, as a unit of the map (null: outside the map). */
export function unitOf(file: string): string | null {
  const parts = file.split('/');
  // Pages and their components are one layer: client components import the server actions of app/.
  if (parts[0] === 'app' || parts[0] === 'components') return 'ui';
  if (parts[0] !== 'lib') return null;
  if ((parts[1] === 'features' || parts[1] === 'server') && parts.length > 3) return `${parts[1]}/${parts[2]}`;
  if (parts[1] === 'server') return 'server';
  return parts.length > 2 ? parts[1]! : null;
}

function resolve(from: string, spec: string): string | null {
  let base: string;
  if (spec.startsWith('@/')) base = spec.slice(2);
  else if (spec.startsWith('.')) base = path.join(path.dirname(from), spec);
  else return null;
  for (const ext of ['', ...EXTS]) {
    try {
      if (statSync(path.join(ROOT, base + ext)).isFile()) return path.normalize(base + ext);
    } catch {
      // try the next extension
    }
  }
  return null;
}

export function folderGraph(): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  const specs = /(?:from\s+|import\s*\(\s*)['"]([^'"]+)['"]/g;
  for (const file of SCANNED.flatMap(files)) {
    const from = unitOf(file);
    if (!from) continue;
    const edges = graph.get(from) ?? new Map<string, string>();
    graph.set(from, edges);
    for (const m of readFileSync(path.join(ROOT, file), 'utf8').matchAll(specs)) {
      const target = resolve(file, m[1]!);
      const to = target && unitOf(target);
      if (to && to !== from && !edges.has(to)) edges.set(to, `${file} -> ${target}`);
    }
  }
  return graph;
}

/** Cycles of the graph (strongly connected components of more than one folder), with one witness import per edge. */
export function folderCycles(graph: Map<string, Map<string, string>>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

describe('folder map', () => {
  const graph = folderGraph();

  it('has no cycle between folders', () => {
    const cycles = folderCycles(graph).map((scc) =>
      scc.flatMap((a) => [...(graph.get(a) ?? [])].filter(([b]) => scc.includes(b)).map(([b, why]) => `${a} -> ${b} (${why})`)),
    );
    expect(cycles).toEqual([]);
  });

  it('finds a cycle when there is one (the check itself)', () => {
    const g = new Map([
      ['features/a', new Map([['features/b', 'x']])],
      ['features/b', new Map([['features/c', 'y']])],
      ['features/c', new Map([['features/a', 'z']])],
      ['domain', new Map()],
    ]);
    expect(folderCycles(g)).toEqual([['features/a', 'features/b', 'features/c']]);
  });

  it('sees the pipeline stages as folders', () => {
    for (const stage of ['features/ingestion', 'features/runs', 'features/review', 'features/romi', 'features/alerts', 'domain', 'reconcile', 'romi', 'server/db']) {
      expect(graph.has(stage), stage).toBe(true);
    }
  });
});
