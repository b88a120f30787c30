import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileProfile } from '@/lib/reconcile/normalize';
import type { SourceProfileInput } from '@/lib/reconcile/schemas';
import { mergeSummaries } from '@/lib/reconcile/summary';
import { ColumnRecorder, ColumnReplayer, type ColumnChunk } from './columns';
import { createCsvIngest, IngestError, type IngestSink } from './csv-ingest';
import { CliReconciler } from './reconciler';
import { feedCsv } from './test-helpers';

const header = ['id', 'date', 'amount', 'status', 'ccy'];
const sources = [
  { name: 'a', kind: 'gateway' as const },
  { name: 'b', kind: 'bank' as const },
];

// Keys that repeat (duplicates), vary in case and spaces, go through the general path
// (non-ASCII, quoted, longer than the 20 bytes kept inline) or make errors.
const keyArb = fc.oneof(
  { arbitrary: fc.constantFrom('tx1', 'TX1', ' tx2', 'Tx3', 'tx4 ', 'k-9', 'ab', 'AB'), weight: 8 },
  { arbitrary: fc.constantFrom('tx-É', 'é1', '"q,1"', '"TX1"', 'a-very-long-transaction-key-01', 'A-VERY-LONG-TRANSACTION-KEY-01', 'ﬀ'), weight: 2 },
  { arbitrary: fc.constantFrom('', '  '), weight: 1 },
);
const lineArb = fc
  .tuple(
    keyArb,
    fc.oneof({ arbitrary: fc.constantFrom('2024-07-01', '2024-07-02', '2024-12-31'), weight: 10 }, { arbitrary: fc.constantFrom('2024-7-1', '', 'x'), weight: 1 }),
    fc.oneof({ arbitrary: fc.integer({ min: -100000, max: 100000 }).map((n) => (n / 100).toFixed(2)), weight: 10 }, { arbitrary: fc.constantFrom('1e3', '', '"1.50"'), weight: 1 }),
    fc.constantFrom('Completed', 'pending', ' Failed', 'succeeded', 'weird', 'ÉTAT'),
    fc.constantFrom('EUR', 'usd', 'JPY', ''),
  )
  .map((xs) => xs.join(','));
const profile: SourceProfileInput = {
  name: 'p', kind: 'gateway', columns: { id: 'id', date: 'date', amount: 'amount', status: 'status', currency: 'ccy' }, currency: 'EUR',
};

/**
 * Feeds a CSV text (no header line) into a sink; returns the error if any.
 * `cuts`: read pieces of that many lines as bytes where possible (feedCsv).
 */
function ingest(text: string, sink: IngestSink, index: number, cuts: readonly number[] = []): IngestError | null {
  try {
    feedCsv(createCsvIngest(compileProfile(profile), header, sink, index), text, cuts);
    return null;
  } catch (e) {
    if (e instanceof IngestError) return e;
    throw e;
  }
}

const newRec = (shared = false) => new CliReconciler(sources, { shared, expectedKeys: 4 });

/** Both files straight into a CliReconciler (the one-thread path). */
function direct(a: string, b: string, shared = false) {
  const rec = newRec(shared);
  const err = ingest(a, rec, 0) ?? ingest(b, rec, 1);
  return { rec, err };
}

/** File a straight in, file b recorded into chunks (postMessage-cloned) then replayed; `cuts` as in ingest. */
function replayed(a: string, b: string, capacity: number, cuts: readonly number[] = []) {
  const rec = newRec(true);
  let err = ingest(a, rec, 0, cuts);
  if (err) return { rec, err };
  const chunks: ColumnChunk[] = [];
  const recorder = new ColumnRecorder((c) => chunks.push(structuredClone(c)), capacity);
  err = ingest(b, recorder, 1, cuts);
  if (err) return { rec, err };
  recorder.flush();
  const replayer = new ColumnReplayer(rec, 1);
  for (const c of chunks) replayer.replay(c);
  return { rec, err: null };
}

const fileArb = fc.array(lineArb, { maxLength: 40 }).map((lines) => lines.join(fc.sample(fc.constantFrom('\n', '\r\n'), 1)[0]) + '\n');

describe('ColumnRecorder / ColumnReplayer', () => {
  it('recording a file and replaying it gives the rows, summary and errors of a direct ingest', () => {
    fc.assert(
      fc.property(fileArb, fileArb, fc.integer({ min: 1, max: 70 }), fc.array(fc.integer({ min: 1, max: 9 }), { maxLength: 3 }), (a, b, capacity, cuts) => {
        const one = direct(a, b);
        // (with cuts: the quote-free pieces are read as bytes, into the Reconciler and into the recorder)
        const two = replayed(a, b, capacity, cuts);
        expect(two.err?.error).toEqual(one.err?.error);
        if (one.err) return;
        expect([...two.rec.rows()]).toEqual([...one.rec.rows()]);
        expect(two.rec.summary()).toEqual(one.rec.summary());
      }),
      { numRuns: 1500 },
    );
  });

  it('chunks carry only new strings and whole batches (a capacity of 1 still replays in order)', () => {
    const chunks: ColumnChunk[] = [];
    const recorder = new ColumnRecorder((c) => chunks.push(c), 1);
    expect(ingest('tx1,2024-07-01,1.00,Completed,EUR\ntx2,2024-07-01,2.00,Completed,EUR\n"tx3",2024-07-02,3.00,weird,usd\n', recorder, 1)).toBeNull();
    recorder.flush();
    expect(chunks.map((c) => c.n).reduce((x, y) => x + y, 0)).toBe(3);
    // each string once, in the chunk of its first use
    expect(chunks.flatMap((c) => c.strings).sort()).toEqual(['2024-07-01', '2024-07-02', 'Completed', 'EUR', 'USD', 'weird']);
    expect(chunks[0]?.strings.sort()).toEqual(['2024-07-01', 'Completed', 'EUR']);
    expect(chunks.flatMap((c) => [...c.strKeys.values()])).toEqual(['TX3']);
  });
});

describe('CliReconciler.exportState / fromState', () => {
  it('rows of [0, mid) here and [mid, end) in a copy from the exported state equal one pass; summaries merge', () => {
    fc.assert(
      fc.property(fileArb, fileArb, fc.double({ min: 0, max: 1, noNaN: true }), (a, b, share) => {
        const whole = direct(a, b);
        if (whole.err) return;
        const expected = [...whole.rec.rows()];
        const split = direct(a, b, true);
        const mid = Math.round(split.rec.size * share);
        const state = structuredClone(split.rec.exportState());
        const other = CliReconciler.fromState(sources, {}, state);
        // (a view is reused: materialise each row before the next)
        const first = Array.from(split.rec.views(0, mid), (v) => split.rec.toResultRow(v));
        const second = Array.from(other.views(mid), (v) => other.toResultRow(v));
        expect([...first, ...second]).toEqual(expected);
        const merged = mergeSummaries([split.rec.summary(), other.summary()], sources);
        const s = whole.rec.summary();
        expect(merged).toEqual({ ...s, actions: merged.actions, amounts: merged.amounts });
        // actions and amounts: same counts, key order may differ
        expect(Object.entries(merged.actions).sort()).toEqual(Object.entries(s.actions).sort());
        const flat = (x: typeof s.amounts) =>
          Object.entries(x).flatMap(([cls, byCur]) => Object.entries(byCur).flatMap(([cur, bySrc]) => Object.entries(bySrc).map(([src, v]) => `${cls}/${cur}/${src}=${v}`))).sort();
        expect(flat(merged.amounts)).toEqual(flat(s.amounts));
      }),
      { numRuns: 500 },
    );
  });
});
