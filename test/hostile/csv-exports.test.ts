/**
 * Every CSV the app serves neutralises formula cells: each route that answers with
 * csvResponse streams rows from a generator, and that generator must escape its cells with
 * csvEscapeCell (lib/server/http/csv-safe.ts). A new export that forgets it fails here.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { csvEscapeCell } from '@/lib/server/http/csv-safe';

const ROOT = path.resolve(__dirname, '../..');
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const full = path.join(dir, n);
    return statSync(full).isDirectory() ? files(full) : /\.tsx?$/.test(n) ? [full] : [];
  });
}

/** The body of `function* name` (or `async function* name`) in a source text, or null. */
function generatorBody(source: string, name: string): string | null {
  const start = new RegExp(`function\\*\\s+${name}\\b`).exec(source);
  if (!start) return null;
  const rest = source.slice(start.index);
  const end = rest.search(/\n(export |async function|function |const |\/\*\*)/);
  return end > 0 ? rest.slice(0, end) : rest;
}

const ROUTES = files(path.join(ROOT, 'app')).filter((f) => readFileSync(f, 'utf8').includes('csvResponse('));

describe('CSV exports', () => {
  it('finds the exports (discrepancies, audit log, ROMI drill-down, bad rows; the same through the API)', () => {
    expect(ROUTES.map((f) => path.relative(ROOT, f)).sort()).toEqual([
      'app/api/audit/route.ts',
      'app/api/discrepancies/export/route.ts',
      'app/api/ingestions/[id]/errors/route.ts',
      'app/api/romi/export/route.ts',
      'app/api/v1/audit/route.ts',
      'app/api/v1/entries/route.ts',
      'app/api/v1/ingestions/[id]/errors/route.ts',
      'app/api/v1/romi/route.ts',
      'app/api/v1/romi/rows/route.ts',
    ]);
  });

  for (const file of ROUTES) {
    it(`${path.relative(ROOT, file)} streams rows escaped with csvEscapeCell`, () => {
      const source = readFileSync(file, 'utf8');
      const line = source.split('\n').find((l) => l.includes('csvResponse(')) ?? '';
      const arg = /,\s*(\w+)(\([^()]*\))?\);\s*$/.exec(line);
      expect(arg, 'csvResponse(name, generator) not found').not.toBeNull();
      // the generator called in place, or `const rows = generator(...)`
      const name = arg![2] ? arg![1]! : (new RegExp(`const\\s+${arg![1]}\\s*=\\s*(\\w+)\\(`).exec(source)?.[1] ?? arg![1]!);
      const candidates = [file, ...[...source.matchAll(/from '@\/(lib\/[^']+)'/g)].map((m) => path.join(ROOT, `${m[1]}.ts`))];
      const bodies = candidates.map((f) => { try { return generatorBody(readFileSync(f, 'utf8'), name); } catch { return null; } }).filter((b): b is string => b !== null);
      expect(bodies, `generator ${name} not found`).toHaveLength(1);
      expect(bodies[0]).toMatch(/csvEscapeCell/);
    });
  }

  it('the escape neutralises every formula trigger the issue lists, and keeps numbers numeric', () => {
    for (const v of ['=1+1', '+1+1', '-1+1', '@SUM(A1)', '\t=1+1', '\r=1+1']) expect(csvEscapeCell(v).replace(/^"/, '')).toMatch(/^'/);
    expect(csvEscapeCell('-1234.56')).toBe('-1234.56');
  });
});
