import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { reconcileSync, reconcile, Reconciler, type ResultRow } from './engine';
import { CANONICAL_STATUSES, type Status } from './glossary';
import type { NormalizedRecord } from './normalize';
import { partitionOf } from './partition';
import { buildSummary, mergeSummaries } from './summary';

const statusArb = fc.constantFrom<Status>(...CANONICAL_STATUSES, 'Unknown');
const recordArb = fc.record({
  key: fc.constantFrom('A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'É', 'K|2024'),
  amount: fc.constantFrom(0, 100, 101, 5000, -100),
  currency: fc.constantFrom('EUR', 'USD', ''),
  status: statusArb,
  day: fc.integer({ min: 1, max: 3 }),
});
const recordsArb = fc.array(recordArb, { maxLength: 25 }).map((xs) =>
  xs.map(
    (x, i): NormalizedRecord => ({
      key: x.key,
      line: i + 2,
      at: Date.UTC(2024, 6, x.day),
      date: `2024-07-0${x.day}`,
      amount: x.amount,
      currency: x.currency,
      status: x.status,
      code: x.status === 'Unknown' ? 'zz' : x.status,
    }),
  ),
);
const kindsArb = fc.constantFrom(['gateway', 'bank'] as const, ['bank', 'gateway'] as const, ['erp', 'crm'] as const);

type Kinds = readonly ['gateway' | 'bank' | 'erp' | 'crm', 'gateway' | 'bank' | 'erp' | 'crm'];
const two = (a: NormalizedRecord[], b: NormalizedRecord[], kinds: Kinds = ['gateway', 'bank'], names: readonly [string, string] = ['x', 'y']) =>
  reconcileSync([
    { name: names[0], kind: kinds[0], records: a },
    { name: names[1], kind: kinds[1], records: b },
  ]);

/** The part of a row that does not depend on the order of the sources. */
const symmetric = (r: ResultRow) => ({
  key: r.key,
  class: r.class,
  reasons: [...r.reasons].sort(),
  missing: [...r.missingIn].sort(),
  dup: [...r.duplicateIn].sort(),
  severity: r.severity,
  action: r.action,
  corrections: r.corrections.map((c) => `${c.source}:${c.op}:${c.status}`).sort(),
});
const byKey = (rows: ResultRow[]) => [...rows].sort((p, q) => (p.key < q.key ? -1 : p.key > q.key ? 1 : 0));

describe('engine properties', () => {
  it('swapping the sources mirrors the result (names and kinds travel with their source)', () => {
    fc.assert(
      fc.property(recordsArb, recordsArb, kindsArb, (a, b, kinds) => {
        const ab = byKey(two(a, b, kinds));
        const ba = byKey(two(b, a, [kinds[1], kinds[0]], ['y', 'x']));
        expect(ba.map(symmetric)).toEqual(ab.map(symmetric));
        // the per-source columns are mirrored too
        expect(ba.map((r) => [r.records[1], r.records[0], r.counts[1], r.counts[0]])).toEqual(
          ab.map((r) => [r.records[0], r.records[1], r.counts[0], r.counts[1]]),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('a source reconciled with itself is all matched (when it has no duplicates or unknown codes)', () => {
    fc.assert(
      fc.property(recordsArb, (a) => {
        const seen = new Set<string>();
        const uniq = a.filter((r) => r.status !== 'Unknown' && !seen.has(r.key) && seen.add(r.key));
        const rows = two(uniq, uniq);
        expect(rows).toHaveLength(uniq.length);
        for (const r of rows) expect(r.class).toBe('matched');
      }),
    );
  });

  it('a source reconciled with itself never matches an Unknown status and flags every duplicate', () => {
    fc.assert(
      fc.property(recordsArb, (a) => {
        const rows = two(a, a);
        const count = new Map<string, number>();
        for (const r of a) count.set(r.key, (count.get(r.key) ?? 0) + 1);
        for (const r of rows) {
          const n = count.get(r.key) ?? 0;
          if (n > 1) expect(r.class).toBe('duplicate');
          else if (r.records[0]?.status === 'Unknown') expect(r.class).toBe('mismatched');
          else expect(r.class).toBe('matched');
        }
      }),
    );
  });

  it('every input key appears in exactly one output row, with every record counted', () => {
    fc.assert(
      fc.property(recordsArb, recordsArb, recordsArb, (a, b, c) => {
        const rows = reconcileSync([
          { name: 'g', kind: 'gateway', records: a },
          { name: 'b', kind: 'bank', records: b },
          { name: 'e', kind: 'erp', records: c },
        ]);
        const keys = rows.map((r) => r.key);
        expect(new Set(keys).size).toBe(keys.length);
        expect(new Set(keys)).toEqual(new Set([...a, ...b, ...c].map((r) => r.key)));
        rows.forEach((r) => {
          [a, b, c].forEach((src, i) => {
            expect(r.counts[i]).toBe(src.filter((x) => x.key === r.key).length);
          });
        });
        const s = buildSummary(rows, [
          { name: 'g', kind: 'gateway' },
          { name: 'b', kind: 'bank' },
          { name: 'e', kind: 'erp' },
        ]);
        expect(s.sources).toEqual({ g: a.length, b: b.length, e: c.length });
        expect(Object.values(s.classes).reduce((x, y) => x + y, 0)).toBe(s.total);
        expect(Object.values(s.severity).reduce((x, y) => x + y, 0)).toBe(s.total);
        expect(Object.values(s.actions).reduce((x, y) => x + y, 0)).toBe(s.total);
      }),
    );
  });

  it('a run over all keys equals the merge of runs over key partitions', () => {
    fc.assert(
      fc.property(recordsArb, recordsArb, fc.integer({ min: 1, max: 5 }), (a, b, parts) => {
        const sources = [
          { name: 'x', kind: 'gateway' as const },
          { name: 'y', kind: 'bank' as const },
        ];
        const whole = two(a, b);
        const partRows: ResultRow[][] = [];
        for (let p = 0; p < parts; p++) {
          partRows.push(two(a.filter((r) => partitionOf(r.key, parts) === p), b.filter((r) => partitionOf(r.key, parts) === p)));
        }
        expect(byKey(partRows.flat())).toEqual(byKey(whole));
        expect(mergeSummaries(partRows.map((r) => buildSummary(r, sources)), sources)).toEqual(buildSummary(whole, sources));
      }),
    );
  });

  it("the reconciler's own summary equals the summary built from its rows, and forEachRow agrees with rows()", () => {
    fc.assert(
      fc.property(recordsArb, recordsArb, recordsArb, (a, b, c) => {
        const sources = [
          { name: 'g', kind: 'gateway' as const },
          { name: 'b', kind: 'bank' as const },
          { name: 'e', kind: 'erp' as const },
        ];
        const feed = () => {
          const r = new Reconciler(sources);
          [a, b, c].forEach((xs, i) => xs.forEach((x) => r.add(i, x)));
          return r;
        };
        const r1 = feed();
        const rows = [...r1.rows()];
        expect(r1.summary()).toEqual(buildSummary(rows, sources));
        const r2 = feed();
        const viaView: ResultRow[] = [];
        r2.forEachRow((v) => viaView.push(r2.toResultRow(v)));
        expect(viaView).toEqual(rows);
        expect(r2.summary()).toEqual(r1.summary());
      }),
    );
  });

  it('accepts async iterables and gives the same rows', async () => {
    const a = fc.sample(recordsArb, { numRuns: 1, seed: 7 })[0] ?? [];
    const b = fc.sample(recordsArb, { numRuns: 1, seed: 8 })[0] ?? [];
    async function* gen(xs: NormalizedRecord[]) {
      for (const x of xs) yield x;
    }
    const rows: ResultRow[] = [];
    for await (const r of reconcile([
      { name: 'x', kind: 'gateway', records: gen(a) },
      { name: 'y', kind: 'bank', records: b },
    ])) rows.push(r);
    expect(rows).toEqual(two(a, b));
    expect(rows.length).toBeGreaterThan(0);
  });
});

describe('partitionOf', () => {
  it('is stable and in range', () => {
    expect(partitionOf('TX1000', 8)).toBe(partitionOf('TX1000', 8));
    fc.assert(fc.property(fc.string(), fc.integer({ min: 1, max: 1000 }), (k, n) => {
      const p = partitionOf(k, n);
      expect(Number.isInteger(p) && p >= 0 && p < n).toBe(true);
    }));
    expect(() => partitionOf('x', 0)).toThrow();
  });
  it('spreads keys roughly evenly', () => {
    const counts = new Array(4).fill(0);
    for (let i = 0; i < 40_000; i++) counts[partitionOf(`TX${i}`, 4)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(600);
  });
});
