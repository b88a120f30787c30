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

const STATUS_LIST: readonly Status[] = ['Pending', 'Authorized', 'Paid', 'Failed', 'Refunded', 'Cancelled', 'Unknown'];
const STATUS_INDEX = new Map<Status, number>(STATUS_LIST.map((s, i) => [s, i]));

/**
 * Columnar store of one source's records: typed arrays plus an intern table
 * for repeated strings (dates, codes, currencies). Holding millions of records
 * as objects costs the garbage collector more than the matching itself.
 */
class RecordColumns {
  length = 0;
  private cap = 0;
  private amount = new Float64Array(0);
  private at = new Float64Array(0);
  private line = new Uint32Array(0);
  private status = new Uint8Array(0);
  private date = new Uint32Array(0);
  private code = new Uint32Array(0);
  private currency = new Uint32Array(0);
  private readonly strings: (string | null)[] = [null];
  private readonly stringIndex = new Map<string, number>();
  private lastDate = '';
  private lastDateIdx = -1;
  private lastCode = '';
  private lastCodeIdx = -1;
  private lastCur = '';
  private lastCurIdx = -1;

  private intern(s: string): number {
    let i = this.stringIndex.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.stringIndex.set(s, i);
    }
    return i;
  }

  private grow(): void {
    const cap = Math.max(1024, this.cap * 2);
    const g = <T extends Float64Array | Uint32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.amount = g(this.amount, (n) => new Float64Array(n));
    this.at = g(this.at, (n) => new Float64Array(n));
    this.line = g(this.line, (n) => new Uint32Array(n));
    this.status = g(this.status, (n) => new Uint8Array(n));
    this.date = g(this.date, (n) => new Uint32Array(n));
    this.code = g(this.code, (n) => new Uint32Array(n));
    this.currency = g(this.currency, (n) => new Uint32Array(n));
    this.cap = cap;
  }

  push(r: NormalizedRecord): number {
    const i = this.length;
    if (i === this.cap) this.grow();
    this.amount[i] = r.amount;
    this.at[i] = r.at === null ? NaN : r.at;
    this.line[i] = r.line ?? 0;
    this.status[i] = STATUS_INDEX.get(r.status) ?? 6;
    const d = r.date;
    if (d === null) this.date[i] = 0;
    else if (d === this.lastDate) this.date[i] = this.lastDateIdx;
    else this.date[i] = this.lastDateIdx = this.intern((this.lastDate = d));
    const c = r.code;
    if (c === this.lastCode && this.lastCodeIdx >= 0) this.code[i] = this.lastCodeIdx;
    else this.code[i] = this.lastCodeIdx = this.intern((this.lastCode = c));
    const cu = r.currency;
    if (cu === this.lastCur && this.lastCurIdx >= 0) this.currency[i] = this.lastCurIdx;
    else this.currency[i] = this.lastCurIdx = this.intern((this.lastCur = cu));
    this.length = i + 1;
    return i;
  }

  statusOf(i: number): Status {
    return STATUS_LIST[this.status[i] as number] as Status;
  }
  amountOf(i: number): number {
    return this.amount[i] as number;
  }
  atOf(i: number): number {
    return this.at[i] as number;
  }
  currencyOf(i: number): string {
    return this.strings[this.currency[i] as number] ?? '';
  }

  get(i: number, key: string): NormalizedRecord {
    const at = this.at[i] as number;
    const line = this.line[i] as number;
    const r: NormalizedRecord = {
      key,
      line,
      at: Number.isNaN(at) ? null : at,
      date: this.strings[this.date[i] as number] ?? null,
      amount: this.amount[i] as number,
      currency: this.strings[this.currency[i] as number] ?? '',
      status: STATUS_LIST[this.status[i] as number] as Status,
      code: this.strings[this.code[i] as number] ?? '',
    };
    if (line === 0) delete r.line;
    return r;
  }
}

/**
 * Push-style reconciler: feed records of each source with `add`, then iterate
 * `rows()` (once). Memory: per key, a slot in typed arrays (first record index
 * and count per source); records are stored column-wise; further records are
 * listed only for duplicated keys.
 */
export class Reconciler {
  readonly sources: readonly SourceInfo[];
  private readonly n: number;
  private readonly match: MatchOptions;
  private readonly evaluate: (f: RowFacts) => ReturnType<ReturnType<typeof compileRuleSet>>;
  private index = new Map<string, number>();
  private keys: string[] = [];
  private slotCap = 0;
  private first: Int32Array[];
  private counts: Uint32Array[];
  private readonly cols: RecordColumns[];
  private readonly extras = new Map<number, number[][]>();
  private done = false;

  constructor(sources: readonly SourceInfo[], options: ReconcileOptions = {}) {
    if (sources.length < 2) throw new Error('reconcile needs at least two sources');
    const names = new Set(sources.map((s) => s.name));
    if (names.size !== sources.length) throw new Error('source names must be unique');
    this.sources = sources.map((s) => ({ name: s.name, kind: s.kind }));
    this.n = sources.length;
    this.match = MatchOptionsSchema.parse(options.match ?? {});
    this.evaluate = compileRuleSet(options.rules ?? DEFAULT_RULE_SET, this.sources);
    this.first = this.sources.map(() => new Int32Array(0));
    this.counts = this.sources.map(() => new Uint32Array(0));
    this.cols = this.sources.map(() => new RecordColumns());
  }

  private growSlots(): void {
    const cap = Math.max(1024, this.slotCap * 2);
    this.first = this.first.map((a) => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    });
    this.counts = this.counts.map((a) => {
      const b = new Uint32Array(cap);
      b.set(a);
      return b;
    });
    this.slotCap = cap;
  }

  /** Adds one normalised record of source `index`. */
  add(index: number, rec: NormalizedRecord): void {
    if (this.done) throw new Error('rows() already consumed');
    const cols = this.cols[index];
    if (!cols) throw new RangeError(`no source ${index}`);
    const ri = cols.push(rec);
    let slot = this.index.get(rec.key);
    if (slot === undefined) {
      slot = this.keys.length;
      if (slot === this.slotCap) this.growSlots();
      this.index.set(rec.key, slot);
      this.keys.push(rec.key);
    }
    const counts = this.counts[index] as Uint32Array;
    const c = counts[slot] as number;
    if (c === 0) (this.first[index] as Int32Array)[slot] = ri;
    else {
      let x = this.extras.get(slot);
      if (!x) {
        x = Array.from({ length: this.n }, () => []);
        this.extras.set(slot, x);
      }
      x[index]?.push(ri);
    }
    counts[slot] = c + 1;
  }

  /** Number of distinct keys seen so far. */
  get size(): number {
    return this.keys.length;
  }

  /** Yields one row per key, in first-seen order. */
  *rows(): Generator<ResultRow> {
    this.done = true;
    this.index.clear();
    this.index = new Map();
    const keys = this.keys;
    for (let slot = 0; slot < keys.length; slot++) {
      yield this.classify(keys[slot] as string, slot);
    }
    this.keys = [];
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

  private classify(key: string, slot: number): ResultRow {
    const n = this.n;
    const records: (NormalizedRecord | null)[] = new Array(n);
    const counts: number[] = new Array(n);
    const statuses: (Status | null)[] = new Array(n);
    const missingIn: string[] = [];
    const duplicateIn: string[] = [];
    let ref = -1;
    let present = 0;
    for (let i = 0; i < n; i++) {
      const c = (this.counts[i] as Uint32Array)[slot] as number;
      counts[i] = c;
      const name = (this.sources[i] as SourceInfo).name;
      if (c === 0) {
        records[i] = null;
        statuses[i] = null;
        missingIn.push(name);
      } else {
        const ri = (this.first[i] as Int32Array)[slot] as number;
        const cols = this.cols[i] as RecordColumns;
        records[i] = cols.get(ri, key);
        statuses[i] = cols.statusOf(ri);
        present++;
        if (c > 1) duplicateIn.push(name);
        if (ref < 0) ref = i;
      }
    }
    const reasons: Reason[] = [];
    if (duplicateIn.length === 0 && present >= 2 && ref >= 0) {
      let status = false, amount = false, currency = false, date = false, unknown = false;
      const tol = this.match.dateToleranceMs;
      const r0 = records[ref] as NormalizedRecord;
      for (let i = 0; i < n; i++) {
        const r = records[i];
        if (!r) continue;
        if (r.status === 'Unknown') unknown = true;
        if (i === ref) continue;
        if (r.status !== r0.status) status = true;
        if (!this.amountsAgree(r.amount, r0.amount)) amount = true;
        if (r.currency !== '' && r0.currency !== '' && r.currency !== r0.currency) currency = true;
        if (r.at !== null && r0.at !== null && Math.abs(r.at - r0.at) > tol) date = true;
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
      const x = this.extras.get(slot);
      row.extra = this.sources.map((_, i) => (x?.[i] ?? []).map((ri) => (this.cols[i] as RecordColumns).get(ri, key)));
      this.extras.delete(slot);
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
