import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvSplitter } from '@/lib/reconcile/csv';
import type { ResultRow } from '@/lib/reconcile/engine';
import { compileProfile } from '@/lib/reconcile/normalize';
import type { SourceProfileInput } from '@/lib/reconcile/schemas';
import { createCsvIngest, IngestError } from './csv-ingest';
import { CliReconciler } from './reconciler';
import { feedCsv } from './test-helpers';

const header = ['id', 'date', 'amount', 'status', 'ccy'];
const sources = [
  { name: 'a', kind: 'gateway' as const },
  { name: 'b', kind: 'bank' as const },
];

// Cells chosen to hit every branch of the fast path and its fallbacks.
const idArb = fc.oneof(
  fc.constantFrom('tx1', 'TX1', ' tx1 ', 'Tx2', 'tx\t3', 'tx-É', 'ﬀ', '  ', '', 'x\u00a0', '\u00a0TX1'),
  fc.stringMatching(/^[a-zA-Z0-9 _-]{0,6}$/),
);
const dateArb = fc.constantFrom('2024-07-01', '2024-07-02', '2024-02-30', '2024-7-1', ' 2024-07-01', '2024-07-01T10:00:00Z', '', '2024-07-01 23:30', 'abc');
const amountArb = fc.oneof(
  fc.constantFrom('1', '1.5', '1.50', '1.505', '1.500', '-3', '(3)', '+3', '3-', '', '.5', '5.', ' 7', '1e3', '12345678901234567', '0', '-0', '00.10', '-', '.', '-.', '1.2.3'),
  fc.integer({ min: -100000, max: 100000 }).map((n) => (n / 100).toFixed(2)),
);
const statusArb = fc.constantFrom('Completed', 'completed', ' Pending ', 'succeeded', 'weird', '', 'Paid\u00a0', 'Failed', 'Settled', 'ÉTAT');
const ccyArb = fc.constantFrom('EUR', 'eur', ' usd ', 'JPY', 'KWD', '', 'EURO', 'E1R');
const oddLineArb = fc.tuple(idArb, dateArb, amountArb, statusArb, ccyArb, fc.boolean()).map(([id, d, a, s, c, short]) =>
  (short ? [id, d, a] : [id, d, a, s, c]).join(','),
);
// Mostly valid lines (so runs get past the first error), with case and space variants of a few keys.
const validLineArb = fc
  .tuple(
    fc.constantFrom('tx1', 'TX1', ' tx1', 'Tx2', 'TX2 ', 'tx3', 'ab', 'AB', 'k-9'),
    fc.constantFrom('2024-07-01', '2024-07-02', '2024-12-31'),
    fc.integer({ min: -100000, max: 100000 }).map((n) => (n / 100).toFixed(2)),
    fc.constantFrom('Completed', 'pending', ' Failed', 'succeeded', 'weird'),
    fc.constantFrom('EUR', 'usd', 'JPY'),
  )
  .map((xs) => xs.join(','));
const lineArb = fc.oneof({ arbitrary: validLineArb, weight: 6 }, { arbitrary: oddLineArb, weight: 1 });

const profiles: SourceProfileInput[] = [
  { name: 'p', kind: 'gateway', columns: { id: 'id', date: 'date', amount: 'amount', status: 'status' } },
  { name: 'p', kind: 'gateway', columns: { id: 'id', date: 'date', amount: 'amount', status: 'status', currency: 'ccy' }, currency: 'EUR' },
  { name: 'p', kind: 'gateway', columns: { id: 'id', date: 'date', amount: 'amount', status: 'status', currency: 'ccy' } },
  { name: 'p', kind: 'gateway', columns: { id: 'id', amount: 'amount', status: 'status' }, amount: { units: 'minor', sign: 'invert' }, key: { caseSensitive: true } },
  { name: 'p', kind: 'gateway', columns: { id: 'id', date: 'date', amount: 'amount', status: 'status' }, amount: { sign: 'absolute' }, date: { timeZone: 'Europe/Berlin' } },
];

/**
 * Runs lines through one path; returns the rows or the error. `fast`: false for
 * the general path, true for the text fast path, or line counts at which to cut
 * the text into pieces read as bytes where they can be (feedCsv).
 */
function run(profile: SourceProfileInput, lines: string[], fast: boolean | number[], partition?: { index: number; count: number }, eol = '\n') {
  const rec = new CliReconciler(sources);
  const text = lines.join(eol) + eol;
  try {
    const compiled = compileProfile(profile);
    const ing = createCsvIngest(compiled, header, rec, 0, partition ? { partition } : {});
    if (fast === false) {
      const sp = new CsvSplitter();
      sp.push(text, ing.onRow);
      sp.end(ing.onRow);
    } else feedCsv(ing, text, fast === true ? [] : fast);
  } catch (e) {
    if (e instanceof IngestError) return { error: e.error };
    throw e;
  }
  return { rows: [...rec.rows()] as ResultRow[] };
}

describe('createCsvIngest', () => {
  it('the fast path reads every line exactly as the general path does (records, errors, line numbers)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...profiles), fc.array(lineArb, { maxLength: 12 }), (profile, lines) => {
        expect(run(profile, lines, true)).toEqual(run(profile, lines, false));
      }),
      { numRuns: 2000 },
    );
  });

  it('the byte path reads every line exactly as the text path does (pieces, CRLF, blank lines, UTF-8, partitions)', () => {
    const lines = fc.array(fc.oneof({ arbitrary: lineArb, weight: 12 }, { arbitrary: fc.constantFrom('', '\r', 'tx1,"2024-07-01",1.00,Paid,EUR'), weight: 1 }), { maxLength: 16 });
    const cuts = fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 });
    const part = fc.option(fc.integer({ min: 0, max: 2 }).map((index) => ({ index, count: 3 })), { nil: undefined });
    fc.assert(
      fc.property(fc.constantFrom(...profiles), lines, cuts, part, fc.constantFrom('\n', '\r\n'), (profile, ls, cs, p, eol) => {
        expect(run(profile, ls, cs, p, eol)).toEqual(run(profile, ls, true, p, eol));
      }),
      { numRuns: 2000 },
    );
  });

  it('the byte path keeps the key bytes of a batch until it is added, whatever the buffer holds next', () => {
    // 40 lines of distinct keys in pieces of 3: the batch (32 lines) spans pieces read through one reused buffer
    const lines = Array.from({ length: 40 }, (_, i) => `Key${i},2024-07-01,${i}.00,Completed`);
    const r = run(profiles[0] as SourceProfileInput, lines, [3]);
    expect(r.rows?.map((x) => [x.key, x.records[0]?.amount, x.records[0]?.line])).toEqual(lines.map((_, i) => [`KEY${i}`, i * 100, i + 1]));
  });

  it('partitions split the keys without losing or doubling any', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof({ arbitrary: validLineArb, weight: 12 }, { arbitrary: oddLineArb, weight: 1 }), { maxLength: 12 }), fc.integer({ min: 2, max: 4 }), (lines, count) => {
        const profile = profiles[2] as SourceProfileInput;
        const whole = run(profile, lines, true);
        const parts = Array.from({ length: count }, (_, index) => run(profile, lines, true, { index, count }));
        if (whole.error) {
          // the first error of the file is found by at least one partition, and no earlier one
          const errs = parts.flatMap((p) => (p.error ? [p.error] : []));
          expect(errs.length).toBeGreaterThan(0);
          const first = errs.sort((x, y) => (x.line ?? 0) - (y.line ?? 0))[0];
          expect(first).toEqual(whole.error);
          return;
        }
        const key = (r: ResultRow) => r.key;
        const merged = parts.flatMap((p) => p.rows ?? []).sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
        const all = [...(whole.rows ?? [])].sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
        expect(merged).toEqual(all);
      }),
      { numRuns: 500 },
    );
  });

  it('reads a clean file through the fast path with the right values', () => {
    // (no header line in these texts: data starts on line 1)
    const r = run(profiles[1] as SourceProfileInput, ['tx1,2024-07-01,12.30,Completed,usd', 'TX2,2024-07-02,-0.05,pending,'], true);
    expect(r.rows?.map((x) => x.records[0])).toEqual([
      { key: 'TX1', line: 1, at: Date.UTC(2024, 6, 1), date: '2024-07-01', amount: 1230, currency: 'USD', status: 'Paid', code: 'Completed' },
      { key: 'TX2', line: 2, at: Date.UTC(2024, 6, 2), date: '2024-07-02', amount: -5, currency: 'EUR', status: 'Pending', code: 'pending' },
    ]);
  });
});
