import type { Status } from './glossary';
import type { NormalizedRecord, SourceInfo } from './normalize';
import { compileRuleSet, DEFAULT_RULE_SET, maxSeverity, type ResolvedCorrection, type RowFacts } from './rules';
import {
  MatchOptionsSchema,
  type MatchClass,
  type MatchOptions,
  type Reason,
  type RuleSet,
  type RuleSetInput,
  type Severity,
} from './schemas';
import type { z } from 'zod';

/** One output row per key. */
export interface ResultRow {
  key: string;
  /** Per source (in source order): the first record with this key, or null. */
  records: (NormalizedRecord | null)[];
  /** Per source: how many records had this key. */
  counts: number[];
  /** Per source: the further records of a duplicated key (only present for duplicates). */
  extra?: NormalizedRecord[][];
  class: MatchClass;
  /** Why the present records disagree (empty for duplicates: resolve the duplicate first). */
  reasons: Reason[];
  /** Names of the sources without this key. */
  missingIn: string[];
  /** Names of the sources holding this key more than once. */
  duplicateIn: string[];
  severity: Severity;
  action: string;
  actionLabel: string;
  ruleId: string | null;
  corrections: ResolvedCorrection[];
}

export type RecordStream = Iterable<NormalizedRecord> | AsyncIterable<NormalizedRecord>;

export interface SourceInput extends SourceInfo {
  records: RecordStream;
}

export interface ReconcileOptions {
  match?: z.input<typeof MatchOptionsSchema> | MatchOptions;
  rules?: RuleSetInput | RuleSet;
}

const CLASS_BASE: Record<MatchClass, Severity> = {
  matched: 'info',
  mismatched: 'warning',
  missing: 'warning',
  duplicate: 'warning',
};

/**
 * Push-style reconciler: feed records of each source with `add`, then iterate
 * `rows()` (once). Memory: one slot array per key holding the first record of
 * each source; further records are kept only for duplicated keys.
 */
export class Reconciler {
  readonly sources: readonly SourceInfo[];
  private readonly n: number;
  private readonly match: MatchOptions;
  private readonly evaluate: (f: RowFacts) => ReturnType<ReturnType<typeof compileRuleSet>>;
  // key -> [rec_0..rec_{n-1}, count_0..count_{n-1}]
  private readonly entries = new Map<string, (NormalizedRecord | number | undefined)[]>();
  private readonly extras = new Map<string, NormalizedRecord[][]>();
  private done = false;

  constructor(sources: readonly SourceInfo[], options: ReconcileOptions = {}) {
    if (sources.length < 2) throw new Error('reconcile needs at least two sources');
    const names = new Set(sources.map((s) => s.name));
    if (names.size !== sources.length) throw new Error('source names must be unique');
    this.sources = sources.map((s) => ({ name: s.name, kind: s.kind }));
    this.n = sources.length;
    this.match = MatchOptionsSchema.parse(options.match ?? {});
    this.evaluate = compileRuleSet(options.rules ?? DEFAULT_RULE_SET, this.sources);
  }

  /** Adds one normalised record of source `index`. */
  add(index: number, rec: NormalizedRecord): void {
    if (this.done) throw new Error('rows() already consumed');
    const n = this.n;
    let e = this.entries.get(rec.key);
    if (e === undefined) {
      e = new Array(2 * n);
      for (let i = 0; i < n; i++) e[n + i] = 0;
      e[index] = rec;
      e[n + index] = 1;
      this.entries.set(rec.key, e);
      return;
    }
    const c = e[n + index] as number;
    if (c === 0) e[index] = rec;
    else {
      let x = this.extras.get(rec.key);
      if (!x) {
        x = Array.from({ length: n }, () => []);
        this.extras.set(rec.key, x);
      }
      x[index]?.push(rec);
    }
    e[n + index] = c + 1;
  }

  /** Number of distinct keys seen so far. */
  get size(): number {
    return this.entries.size;
  }

  /** Yields one row per key, in first-seen order, releasing memory as it goes. */
  *rows(): Generator<ResultRow> {
    this.done = true;
    for (const [key, e] of this.entries) {
      this.entries.delete(key);
      yield this.classify(key, e);
    }
  }

  private amountsAgree(a: number, b: number): boolean {
    const d = a > b ? a - b : b - a;
    if (d <= this.match.amountToleranceMinor) return true;
    const rel = this.match.amountToleranceRelative;
    if (rel > 0) {
      const m = Math.max(Math.abs(a), Math.abs(b));
      return d <= rel * m;
    }
    return false;
  }

  private classify(key: string, e: (NormalizedRecord | number | undefined)[]): ResultRow {
    const n = this.n;
    const records: (NormalizedRecord | null)[] = new Array(n);
    const counts: number[] = new Array(n);
    const statuses: (Status | null)[] = new Array(n);
    const missingIn: string[] = [];
    const duplicateIn: string[] = [];
    let ref: NormalizedRecord | null = null;
    let present = 0;
    for (let i = 0; i < n; i++) {
      const r = (e[i] as NormalizedRecord | undefined) ?? null;
      const c = e[n + i] as number;
      records[i] = r;
      counts[i] = c;
      statuses[i] = r ? r.status : null;
      const name = (this.sources[i] as SourceInfo).name;
      if (c === 0) missingIn.push(name);
      else {
        present++;
        if (c > 1) duplicateIn.push(name);
        if (ref === null) ref = r;
      }
    }
    const reasons: Reason[] = [];
    if (duplicateIn.length === 0 && present >= 2 && ref !== null) {
      let status = false, amount = false, currency = false, date = false, unknown = false;
      const tol = this.match.dateToleranceMs;
      for (let i = 0; i < n; i++) {
        const r = records[i];
        if (!r) continue;
        if (r.status === 'Unknown') unknown = true;
        if (r === ref) continue;
        if (r.status !== ref.status) status = true;
        if (!this.amountsAgree(r.amount, ref.amount)) amount = true;
        if (r.currency !== '' && ref.currency !== '' && r.currency !== ref.currency) currency = true;
        if (r.at !== null && ref.at !== null && Math.abs(r.at - ref.at) > tol) date = true;
      }
      if (status) reasons.push('status');
      if (amount) reasons.push('amount');
      if (currency) reasons.push('currency');
      if (date) reasons.push('date');
      if (unknown) reasons.push('unknown_status');
    }
    const cls: MatchClass =
      duplicateIn.length > 0 ? 'duplicate' : missingIn.length > 0 ? 'missing' : reasons.length > 0 ? 'mismatched' : 'matched';
    const outcome = this.evaluate({ class: cls, reasons, counts, statuses });
    const row: ResultRow = {
      key,
      records,
      counts,
      class: cls,
      reasons,
      missingIn,
      duplicateIn,
      severity: maxSeverity(CLASS_BASE[cls], outcome.severity),
      action: outcome.action,
      actionLabel: outcome.label,
      ruleId: outcome.ruleId,
      corrections: outcome.corrections,
    };
    if (duplicateIn.length > 0) {
      row.extra = this.extras.get(key) ?? Array.from({ length: n }, () => []);
      this.extras.delete(key);
    }
    return row;
  }
}

function isAsync(x: RecordStream): x is AsyncIterable<NormalizedRecord> {
  return typeof (x as AsyncIterable<NormalizedRecord>)[Symbol.asyncIterator] === 'function';
}

/**
 * Reconciles N >= 2 sources (iterables or async iterables of normalised
 * records). Sources are consumed one after the other; rows are then yielded
 * one per key.
 */
export async function* reconcile(inputs: readonly SourceInput[], options: ReconcileOptions = {}): AsyncGenerator<ResultRow> {
  const r = new Reconciler(inputs, options);
  for (let i = 0; i < inputs.length; i++) {
    const recs = (inputs[i] as SourceInput).records;
    if (isAsync(recs)) for await (const rec of recs) r.add(i, rec);
    else for (const rec of recs) r.add(i, rec);
  }
  yield* r.rows();
}

/** Synchronous variant over plain iterables (arrays, generators). */
export function reconcileSync(
  inputs: readonly (SourceInfo & { records: Iterable<NormalizedRecord> })[],
  options: ReconcileOptions = {},
): ResultRow[] {
  const r = new Reconciler(inputs, options);
  inputs.forEach((s, i) => {
    for (const rec of s.records) r.add(i, rec);
  });
  return [...r.rows()];
}
