import type { z } from 'zod';
import type { Status } from './glossary';
import { KeyTable } from './keytable';
import type { NormalizedRecord, SourceInfo } from './normalize';
import { compileRuleSet, DEFAULT_RULE_SET, STATUS_ORDER, type ResolvedCorrection, type RuleOutcome } from './rules';
import {
  CLASSES,
  MatchOptionsSchema,
  REASONS,
  SEVERITIES,
  type MatchClass,
  type MatchOptions,
  type Reason,
  type RuleSet,
  type RuleSetInput,
  type Severity,
} from './schemas';
import { emptySummary, NO_CURRENCY, type Summary } from './summary';

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
  /** Expected number of keys (a hint: sizes the tables up front to avoid regrowing them). */
  expectedKeys?: number;
}

const STATUS_INDEX = new Map<Status, number>(STATUS_ORDER.map((s, i) => [s, i]));
const UNKNOWN_INDEX = STATUS_ORDER.indexOf('Unknown');
export const MAX_SOURCES = 30;

/** Index of a status in STATUS_ORDER (the compact form used by addValues). */
export function statusIndex(s: Status): number {
  return STATUS_INDEX.get(s) ?? UNKNOWN_INDEX;
}

/**
 * Columnar store of one source's records: typed arrays plus an intern table
 * for repeated strings (dates, codes, currencies). Holding millions of records
 * as objects costs the garbage collector more than the matching itself.
 */
class RecordColumns {
  length = 0;
  private cap = 0;
  /** 40 bytes a record: f64 [5i] amount, [5i+1] at (NaN = none); u32 [10i+4] line, +5 status, +6 date, +7 code, +8 currency. */
  f64 = new Float64Array(0);
  u32 = new Uint32Array(0);
  readonly strings: (string | null)[] = [null];
  private readonly stringIndex = new Map<string, number>();
  private lastDate: string | null = null;
  private lastDateIdx = 0;
  private lastCode: string | null = null;
  private lastCodeIdx = 0;
  private lastCur: string | null = null;
  private lastCurIdx = 0;
  /** Unknown codes seen: code -> records. */
  readonly unknown = new Map<string, number>();

  constructor(expected = 0) {
    if (expected > 0) this.alloc(expected);
  }

  private alloc(cap: number): void {
    const buf = new ArrayBuffer(cap * 40);
    const f64 = new Float64Array(buf);
    f64.set(this.f64);
    this.f64 = f64;
    this.u32 = new Uint32Array(buf);
    this.cap = cap;
  }

  intern(s: string): number {
    let i = this.stringIndex.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.stringIndex.set(s, i);
    }
    return i;
  }

  push(amount: number, at: number | null, line: number, status: number, date: string | null, code: string, currency: string): number {
    const i = this.length;
    if (i === this.cap) this.alloc(Math.max(1024, this.cap * 2));
    const f = 5 * i;
    const u = 10 * i;
    this.f64[f] = amount;
    this.f64[f + 1] = at === null ? NaN : at;
    const u32 = this.u32;
    u32[u + 4] = line;
    u32[u + 5] = status;
    if (date === null) u32[u + 6] = 0;
    else if (date === this.lastDate) u32[u + 6] = this.lastDateIdx;
    else u32[u + 6] = this.lastDateIdx = this.intern((this.lastDate = date));
    if (code === this.lastCode) u32[u + 7] = this.lastCodeIdx;
    else u32[u + 7] = this.lastCodeIdx = this.intern((this.lastCode = code));
    if (currency === this.lastCur) u32[u + 8] = this.lastCurIdx;
    else u32[u + 8] = this.lastCurIdx = this.intern((this.lastCur = currency));
    if (status === UNKNOWN_INDEX) this.unknown.set(code, (this.unknown.get(code) ?? 0) + 1);
    this.length = i + 1;
    return i;
  }

  amountOf(i: number): number {
    return this.f64[5 * i] as number;
  }
  atOf(i: number): number {
    return this.f64[5 * i + 1] as number;
  }
  statusOf(i: number): number {
    return this.u32[10 * i + 5] as number;
  }
  currencyIndexOf(i: number): number {
    return this.u32[10 * i + 8] as number;
  }
  currencyOf(i: number): string {
    return this.strings[this.u32[10 * i + 8] as number] ?? '';
  }
  dateOf(i: number): string | null {
    return this.strings[this.u32[10 * i + 6] as number] ?? null;
  }

  get(i: number, key: string): NormalizedRecord {
    const at = this.atOf(i);
    const line = this.u32[10 * i + 4] as number;
    const r: NormalizedRecord = {
      key,
      line,
      at: Number.isNaN(at) ? null : at,
      date: this.dateOf(i),
      amount: this.amountOf(i),
      currency: this.currencyOf(i),
      status: STATUS_ORDER[this.statusOf(i)] as Status,
      code: this.strings[this.u32[10 * i + 7] as number] ?? '',
    };
    if (line === 0) delete r.line;
    return r;
  }
}

/**
 * A reusable, allocation-free view of one output row (valid until the next
 * row). `rows()` materialises ResultRow objects from it; bulk consumers (the
 * CLI) read it directly.
 */
export class RowView {
  slot = 0;
  private cachedKey: string | null = null;
  /** Index in CLASSES. */
  cls = 0;
  /** Bit mask over REASONS. */
  reasons = 0;
  /** Bit i set: source i has the key. */
  presentMask = 0;
  /** Bit i set: source i has the key more than once. */
  duplicateMask = 0;
  outcome!: RuleOutcome;
  /** Per source: first record index in that source's columns, -1 when absent. */
  readonly first: Int32Array;
  readonly counts: Uint32Array;
  /** Per source: status index (STATUS_ORDER) of the first record, -1 when absent. */
  readonly statuses: Int8Array;
  constructor(
    private readonly cols: readonly RecordColumns[],
    private readonly table: KeyTable,
    n: number,
  ) {
    this.first = new Int32Array(n);
    this.counts = new Uint32Array(n);
    this.statuses = new Int8Array(n);
  }
  /** Moves the view to a slot (engine use). */
  moveTo(slot: number): void {
    this.slot = slot;
    this.cachedKey = null;
  }
  /** The normalised key. */
  get key(): string {
    return (this.cachedKey ??= this.table.keyOf(this.slot));
  }
  /** Length of the key in UTF-16 units (no string built). */
  get keyLength(): number {
    return this.table.keyLength(this.slot);
  }
  /** The key's Latin-1 bytes without building a string (false for long or wide keys: use `key`). */
  keyBytes(out: { u8: Uint8Array; offset: number; length: number }): boolean {
    return this.table.keyBytes(this.slot, out);
  }
  get className(): MatchClass {
    return CLASSES[this.cls] as MatchClass;
  }
  status(i: number): Status | null {
    const s = this.statuses[i] as number;
    return s < 0 ? null : (STATUS_ORDER[s] as Status);
  }
  /** Amount (minor units) of source i's first record; NaN when absent. */
  amount(i: number): number {
    const r = this.first[i] as number;
    return r < 0 ? NaN : (this.cols[i] as RecordColumns).amountOf(r);
  }
  currency(i: number): string {
    const r = this.first[i] as number;
    return r < 0 ? '' : (this.cols[i] as RecordColumns).currencyOf(r);
  }
  date(i: number): string | null {
    const r = this.first[i] as number;
    return r < 0 ? null : (this.cols[i] as RecordColumns).dateOf(r);
  }
  record(i: number): NormalizedRecord | null {
    const r = this.first[i] as number;
    return r < 0 ? null : (this.cols[i] as RecordColumns).get(r, this.key);
  }
}

const STATUS_BIT = 1 << REASONS.indexOf('status');
const AMOUNT_BIT = 1 << REASONS.indexOf('amount');
const CURRENCY_BIT = 1 << REASONS.indexOf('currency');
const DATE_BIT = 1 << REASONS.indexOf('date');
const UNKNOWN_BIT = 1 << REASONS.indexOf('unknown_status');
const CLS_MATCHED = CLASSES.indexOf('matched');
const CLS_MISMATCHED = CLASSES.indexOf('mismatched');
const CLS_MISSING = CLASSES.indexOf('missing');
const CLS_DUPLICATE = CLASSES.indexOf('duplicate');

/**
 * Push-style reconciler: feed records of each source with `add`, then iterate
 * `rows()` or `forEachRow()` (once), then read `summary()`.
 * Memory: a key table (one string per key), per key and source the first
 * record's index and a count in typed arrays, records stored column-wise;
 * further records are listed only for duplicated keys.
 */
export class Reconciler {
  readonly sources: readonly SourceInfo[];
  private readonly n: number;
  private readonly match: MatchOptions;
  private readonly evaluate: ReturnType<typeof compileRuleSet>;
  private readonly table: KeyTable;
  private slotCap = 0;
  /** Per slot, 2n int32: first record index of each source, then each source's count. */
  private slots: Int32Array;
  private readonly cols: RecordColumns[];
  private readonly extras = new Map<number, number[][]>();
  private state: 'adding' | 'iterating' | 'done' = 'adding';
  // summary accumulators
  private readonly classCounts = new Float64Array(CLASSES.length);
  private readonly reasonCounts = new Float64Array(REASONS.length);
  private readonly severityCounts = new Float64Array(SEVERITIES.length);
  private readonly outcomeCounts = new Map<RuleOutcome, number>();
  private lastOutcome: RuleOutcome | null = null;
  private lastOutcomeCount = 0;
  private readonly facts: { cls: number; reasons: number; statuses: ArrayLike<number> } = { cls: 0, reasons: 0, statuses: [] };
  private readonly missingCounts: Float64Array;
  private readonly duplicateCounts: Float64Array;
  /** [class][source] -> per currency intern index -> total minor units. */
  private readonly amountTotals: number[][][];

  constructor(sources: readonly SourceInfo[], options: ReconcileOptions = {}) {
    if (sources.length < 2) throw new Error('reconcile needs at least two sources');
    if (sources.length > MAX_SOURCES) throw new Error(`at most ${MAX_SOURCES} sources`);
    const names = new Set(sources.map((s) => s.name));
    if (names.size !== sources.length) throw new Error('source names must be unique');
    this.sources = sources.map((s) => ({ name: s.name, kind: s.kind }));
    const n = (this.n = sources.length);
    this.match = MatchOptionsSchema.parse(options.match ?? {});
    this.evaluate = compileRuleSet(options.rules ?? DEFAULT_RULE_SET, this.sources);
    const expected = Math.max(0, Math.min(options.expectedKeys ?? 0, 2 ** 28));
    this.table = new KeyTable(expected);
    this.slotCap = expected > 0 ? expected : 0;
    this.slots = new Int32Array(this.slotCap * 2 * n);
    this.cols = this.sources.map(() => new RecordColumns(expected));
    this.missingCounts = new Float64Array(n);
    this.duplicateCounts = new Float64Array(n);
    this.amountTotals = CLASSES.map(() => this.sources.map(() => []));
  }

  private growSlots(): void {
    const cap = Math.max(1024, this.slotCap * 2);
    const slots = new Int32Array(cap * 2 * this.n);
    slots.set(this.slots);
    this.slots = slots;
    this.slotCap = cap;
  }

  /** Adds one normalised record of source `index`. */
  add(index: number, rec: NormalizedRecord): void {
    this.addValues(index, this.slotOf(rec.key), rec.amount, rec.at, rec.line ?? 0, statusIndex(rec.status), rec.date, rec.code, rec.currency);
  }

  /** Low level: the slot of a normalised key (inserting it). */
  slotOf(key: string): number {
    if (this.state !== 'adding') throw new Error('rows already consumed');
    const slot = this.table.slot(key);
    if (slot === this.slotCap) this.growSlots();
    return slot;
  }

  /**
   * Low level: the slot of the normalised key in text[start, end): the region
   * must be trimmed ASCII; ASCII letters are upper-cased when `fold`.
   */
  slotOfRegion(text: string, start: number, end: number, fold: boolean, hash?: number): number {
    if (this.state !== 'adding') throw new Error('rows already consumed');
    const slot = this.table.slotRegion(text, start, end, fold, hash);
    if (slot === this.slotCap) this.growSlots();
    return slot;
  }

  /** Low level: adds a record's values to a slot (status as statusIndex). */
  addValues(
    index: number, slot: number, amount: number, at: number | null, line: number,
    status: number, date: string | null, code: string, currency: string,
  ): void {
    const cols = this.cols[index];
    if (!cols) throw new RangeError(`no source ${index}`);
    const ri = cols.push(amount, at, line, status, date, code, currency);
    const base = slot * 2 * this.n;
    const slots = this.slots;
    const c = slots[base + this.n + index] as number;
    if (c === 0) slots[base + index] = ri;
    else {
      let x = this.extras.get(slot);
      if (!x) {
        x = Array.from({ length: this.n }, () => []);
        this.extras.set(slot, x);
      }
      x[index]?.push(ri);
    }
    slots[base + this.n + index] = c + 1;
  }

  /** Number of distinct keys seen so far. */
  get size(): number {
    return this.table.size;
  }

  private amountsAgree(a: number, b: number): boolean {
    const d = a > b ? a - b : b - a;
    if (d <= this.match.amountToleranceMinor) return true;
    const rel = this.match.amountToleranceRelative;
    return rel > 0 && d <= rel * Math.max(Math.abs(a), Math.abs(b));
  }

  private compute(slot: number, v: RowView): void {
    const n = this.n;
    v.moveTo(slot);
    let present = 0, presentMask = 0, dupMask = 0, ref = -1;
    const slots = this.slots;
    const base = slot * 2 * n;
    for (let i = 0; i < n; i++) {
      const c = slots[base + n + i] as number;
      v.counts[i] = c;
      if (c === 0) {
        v.first[i] = -1;
        v.statuses[i] = -1;
        this.missingCounts[i] = (this.missingCounts[i] as number) + 1;
      } else {
        const ri = slots[base + i] as number;
        v.first[i] = ri;
        v.statuses[i] = (this.cols[i] as RecordColumns).statusOf(ri);
        present++;
        presentMask |= 1 << i;
        if (c > 1) {
          dupMask |= 1 << i;
          this.duplicateCounts[i] = (this.duplicateCounts[i] as number) + 1;
        }
        if (ref < 0) ref = i;
      }
    }
    let reasons = 0;
    if (dupMask === 0 && present >= 2) {
      const rc = this.cols[ref] as RecordColumns;
      const rri = v.first[ref] as number;
      const rst = v.statuses[ref] as number;
      const ramt = rc.amountOf(rri);
      const rat = rc.atOf(rri);
      const rcur = rc.currencyOf(rri);
      const tol = this.match.dateToleranceMs;
      if (rst === UNKNOWN_INDEX) reasons |= UNKNOWN_BIT;
      for (let i = ref + 1; i < n; i++) {
        const ri = v.first[i] as number;
        if (ri < 0) continue;
        const c = this.cols[i] as RecordColumns;
        const st = v.statuses[i] as number;
        if (st === UNKNOWN_INDEX) reasons |= UNKNOWN_BIT;
        if (st !== rst) reasons |= STATUS_BIT;
        if (!this.amountsAgree(c.amountOf(ri), ramt)) reasons |= AMOUNT_BIT;
        const cur = c.currencyOf(ri);
        if (cur !== '' && rcur !== '' && cur !== rcur) reasons |= CURRENCY_BIT;
        const at = c.atOf(ri);
        if (!Number.isNaN(at) && !Number.isNaN(rat) && Math.abs(at - rat) > tol) reasons |= DATE_BIT;
      }
    }
    const cls =
      dupMask !== 0 ? CLS_DUPLICATE : presentMask !== (1 << n) - 1 ? CLS_MISSING : reasons !== 0 ? CLS_MISMATCHED : CLS_MATCHED;
    v.cls = cls;
    v.reasons = reasons;
    v.presentMask = presentMask;
    v.duplicateMask = dupMask;
    const facts = this.facts;
    facts.cls = cls;
    facts.reasons = reasons;
    facts.statuses = v.statuses;
    const o = this.evaluate(facts);
    v.outcome = o;
    // summary
    this.classCounts[cls] = (this.classCounts[cls] as number) + 1;
    for (let r = 0; r < REASONS.length; r++) if (reasons & (1 << r)) this.reasonCounts[r] = (this.reasonCounts[r] as number) + 1;
    const si = o.severity === 'info' ? 0 : o.severity === 'warning' ? 1 : 2;
    this.severityCounts[si] = (this.severityCounts[si] as number) + 1;
    if (o === this.lastOutcome) this.lastOutcomeCount++;
    else {
      if (this.lastOutcome) this.outcomeCounts.set(this.lastOutcome, (this.outcomeCounts.get(this.lastOutcome) ?? 0) + this.lastOutcomeCount);
      this.lastOutcome = o;
      this.lastOutcomeCount = 1;
    }
    const totals = this.amountTotals[cls] as number[][];
    for (let i = 0; i < n; i++) {
      const ri = v.first[i] as number;
      if (ri < 0) continue;
      const c = this.cols[i] as RecordColumns;
      const t = totals[i] as number[];
      let cu = c.currencyIndexOf(ri);
      t[cu] = (t[cu] ?? 0) + c.amountOf(ri);
      if (dupMask & (1 << i)) {
        for (const xi of this.extras.get(slot)?.[i] ?? []) {
          cu = c.currencyIndexOf(xi);
          t[cu] = (t[cu] ?? 0) + c.amountOf(xi);
        }
      }
    }
  }

  private begin(): RowView {
    if (this.state !== 'adding') throw new Error('rows can be iterated once');
    this.state = 'iterating';
    return new RowView(this.cols, this.table, this.n);
  }

  /**
   * Yields a reused RowView per key (first-seen order): no allocation per
   * row. The view is only valid until the next iteration step.
   */
  *views(): Generator<RowView> {
    const v = this.begin();
    const total = this.table.size;
    for (let slot = 0; slot < total; slot++) {
      this.compute(slot, v);
      yield v;
    }
    this.state = 'done';
  }

  /** Calls `fn` once per key (first-seen order) with a reused view. */
  forEachRow(fn: (row: RowView) => void): void {
    for (const v of this.views()) fn(v);
  }

  /** Materialises a view as a ResultRow. */
  toResultRow(v: RowView): ResultRow {
    const n = this.n;
    const records: (NormalizedRecord | null)[] = [];
    const counts: number[] = [];
    const missingIn: string[] = [];
    const duplicateIn: string[] = [];
    for (let i = 0; i < n; i++) {
      records.push(v.record(i));
      counts.push(v.counts[i] as number);
      const name = (this.sources[i] as SourceInfo).name;
      if (!(v.presentMask & (1 << i))) missingIn.push(name);
      if (v.duplicateMask & (1 << i)) duplicateIn.push(name);
    }
    const reasons: Reason[] = [];
    for (let r = 0; r < REASONS.length; r++) if (v.reasons & (1 << r)) reasons.push(REASONS[r] as Reason);
    const o = v.outcome;
    const row: ResultRow = {
      key: v.key,
      records,
      counts,
      class: v.className,
      reasons,
      missingIn,
      duplicateIn,
      severity: o.severity,
      action: o.action,
      actionLabel: o.label,
      ruleId: o.ruleId,
      corrections: o.corrections,
    };
    if (v.duplicateMask !== 0) {
      const x = this.extras.get(v.slot);
      row.extra = this.sources.map((_, i) => (x?.[i] ?? []).map((ri) => (this.cols[i] as RecordColumns).get(ri, v.key)));
    }
    return row;
  }

  /** Yields one ResultRow per key, in first-seen order. */
  *rows(): Generator<ResultRow> {
    const v = this.begin();
    const total = this.table.size;
    for (let slot = 0; slot < total; slot++) {
      this.compute(slot, v);
      yield this.toResultRow(v);
    }
    this.state = 'done';
  }

  /** The run's summary (complete once every row has been iterated). */
  summary(): Summary {
    const s = emptySummary(this.sources);
    this.sources.forEach((src, i) => {
      const c = this.cols[i] as RecordColumns;
      s.sources[src.name] = c.length;
      s.missing[src.name] = this.missingCounts[i] as number;
      s.duplicates[src.name] = this.duplicateCounts[i] as number;
      const u: Record<string, number> = {};
      for (const [code, k] of c.unknown) u[code] = k;
      s.unknownStatuses[src.name] = u;
      CLASSES.forEach((cls, ci) => {
        const t = (this.amountTotals[ci] as number[][])[i] as number[];
        t.forEach((sum, cu) => {
          if (sum === undefined) return;
          const cur = c.strings[cu] || NO_CURRENCY;
          const byCur = (s.amounts[cls][cur] ??= {});
          byCur[src.name] = (byCur[src.name] ?? 0) + sum;
        });
      });
    });
    CLASSES.forEach((cls, i) => (s.classes[cls] = this.classCounts[i] as number));
    s.total = CLASSES.reduce((a, c) => a + s.classes[c], 0);
    s.matched = s.classes.matched;
    s.mismatched = s.classes.mismatched;
    REASONS.forEach((r, i) => (s.reasons[r] = this.reasonCounts[i] as number));
    SEVERITIES.forEach((x, i) => (s.severity[x] = this.severityCounts[i] as number));
    if (this.lastOutcome) {
      this.outcomeCounts.set(this.lastOutcome, (this.outcomeCounts.get(this.lastOutcome) ?? 0) + this.lastOutcomeCount);
      this.lastOutcome = null;
      this.lastOutcomeCount = 0;
    }
    for (const [o, k] of this.outcomeCounts) s.actions[o.action] = (s.actions[o.action] ?? 0) + k;
    s.matchRate = s.total === 0 ? 0 : s.matched / s.total;
    return s;
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
