import type { z } from 'zod';
import type { Status } from './glossary';
import { KeyTable } from './keytable';
import { REC_F64, REC_U32, U_CODE, U_COUNT, U_CUR, U_DATE, U_LINE, U_STATUS } from './layout';
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

/**
 * Where a Reconciler keeps its per-key data: the key table and the slot
 * buffers. Plain ArrayBuffers by default; the CLI's subclass
 * (tools/reconcile-cli/reconciler.ts) keeps them in SharedArrayBuffers for its
 * second thread, and its key table also reads keys from bytes.
 */
export interface ReconcilerStorage {
  keyTable(expectedKeys: number): KeyTable;
  buffer(bytes: number): ArrayBufferLike;
}

const PLAIN_STORAGE: ReconcilerStorage = {
  keyTable: (expectedKeys) => new KeyTable(expectedKeys),
  buffer: (bytes) => new ArrayBuffer(bytes),
};

const STATUS_INDEX = new Map<Status, number>(STATUS_ORDER.map((s, i) => [s, i]));
const UNKNOWN_INDEX = STATUS_ORDER.indexOf('Unknown');
export const MAX_SOURCES = 30;

/** Index of a status in STATUS_ORDER (the compact form used by addValues). */
export function statusIndex(s: Status): number {
  return STATUS_INDEX.get(s) ?? UNKNOWN_INDEX;
}

/**
 * Interned strings of one source (dates, codes, currencies repeat a lot), the
 * source's record count and its unknown status codes.
 */
/** Days since 1970-01-01 of a YYYY-MM-DD date (NaN for anything else). */
function dayNumber(d: string): number {
  if (d.length !== 10 || d.charCodeAt(4) !== 45 || d.charCodeAt(7) !== 45) return NaN;
  return Date.UTC(Number(d.slice(0, 4)), Number(d.slice(5, 7)) - 1, Number(d.slice(8, 10))) / 86_400_000;
}

class Interner {
  records = 0;
  readonly strings: (string | null)[] = [null];
  private readonly index = new Map<string, number>();
  private lastDate: string | null = null;
  private lastDateIdx = 0;
  private lastCode: string | null = null;
  private lastCodeIdx = 0;
  private lastCur: string | null = null;
  private lastCurIdx = 0;
  /** Unknown codes seen: code -> records. */
  readonly unknown = new Map<string, number>();

  intern(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.index.set(s, i);
    }
    return i;
  }
  /** Per interned string, once asked: its day number when it is a date (YYYY-MM-DD), else NaN. */
  private readonly days: number[] = [];
  date(d: string | null): number {
    if (d === null) return 0;
    if (d === this.lastDate) return this.lastDateIdx;
    return (this.lastDateIdx = this.intern((this.lastDate = d)));
  }
  /** The day number of the interned date `i` (days since 1970-01-01; NaN for none). */
  dayOf(i: number): number {
    let d = this.days[i];
    if (d === undefined) {
      const s = this.strings[i];
      this.days[i] = d = typeof s === 'string' ? dayNumber(s) : NaN;
    }
    return d;
  }
  code(c: string): number {
    if (c === this.lastCode) return this.lastCodeIdx;
    return (this.lastCodeIdx = this.intern((this.lastCode = c)));
  }
  currency(c: string): number {
    if (c === this.lastCur) return this.lastCurIdx;
    return (this.lastCurIdx = this.intern((this.lastCur = c)));
  }
}

/*
 * Slot store: per key (slot) and source, 40 bytes holding the count and the
 * first record (f64: amount, at (NaN = none); u32 at +4: count, line, status,
 * date, code, currency; layout.ts), all sources of a slot side by side.
 * Records arrive in random key order on at least one side: writing them into
 * the slot at ingest touches the cache line the count update needs anyway, and
 * the output pass then reads slots sequentially. Further records of a
 * duplicated key are kept as objects (rare).
 */

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
  readonly counts: Uint32Array;
  /** Per source: status index (STATUS_ORDER) of the first record, -1 when absent. */
  readonly statuses: Int8Array;
  /** @internal */ f64: Float64Array = new Float64Array(0);
  /** @internal */ u32: Uint32Array = new Uint32Array(0);
  constructor(
    private readonly interners: readonly Interner[],
    private readonly table: KeyTable,
    private readonly n: number,
  ) {
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
  get className(): MatchClass {
    return CLASSES[this.cls] as MatchClass;
  }
  status(i: number): Status | null {
    const s = this.statuses[i] as number;
    return s < 0 ? null : (STATUS_ORDER[s] as Status);
  }
  /** Amount (minor units) of source i's first record; NaN when absent. */
  amount(i: number): number {
    return (this.statuses[i] as number) < 0 ? NaN : (this.f64[(this.slot * this.n + i) * REC_F64] as number);
  }
  currency(i: number): string {
    if ((this.statuses[i] as number) < 0) return '';
    return (this.interners[i] as Interner).strings[this.u32[(this.slot * this.n + i) * REC_U32 + U_CUR] as number] ?? '';
  }
  date(i: number): string | null {
    if ((this.statuses[i] as number) < 0) return null;
    return (this.interners[i] as Interner).strings[this.u32[(this.slot * this.n + i) * REC_U32 + U_DATE] as number] ?? null;
  }
  record(i: number): NormalizedRecord | null {
    if ((this.statuses[i] as number) < 0) return null;
    const r = (this.slot * this.n + i);
    const f = r * REC_F64;
    const u = r * REC_U32;
    const strings = (this.interners[i] as Interner).strings;
    const at = this.f64[f + 1] as number;
    const line = this.u32[u + U_LINE] as number;
    const rec: NormalizedRecord = {
      key: this.key,
      line,
      at: Number.isNaN(at) ? null : at,
      date: strings[this.u32[u + U_DATE] as number] ?? null,
      amount: this.f64[f] as number,
      currency: strings[this.u32[u + U_CUR] as number] ?? '',
      status: STATUS_ORDER[this.u32[u + U_STATUS] as number] as Status,
      code: strings[this.u32[u + U_CODE] as number] ?? '',
    };
    if (line === 0) delete rec.line;
    return rec;
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
 * `rows()` or `views()` / `forEachRow()` (once), then read `summary()`.
 * Memory: a key table (short keys stored as bytes), per key a slot holding
 * each source's count and first record (40 bytes a source), interned strings;
 * further records are kept only for duplicated keys.
 */
export class Reconciler {
  readonly sources: readonly SourceInfo[];
  protected readonly n: number;
  private readonly match: MatchOptions;
  /** Per source, the first and last day its date may fall relative to the first source's. */
  private readonly windowMin: Float64Array | null = null;
  private readonly windowMax: Float64Array | null = null;
  /** Without windows: how many days either way two sources' dates may differ (0: the same day). */
  private readonly legacyDays: number;
  private readonly evaluate: ReturnType<typeof compileRuleSet>;
  protected table: KeyTable;
  protected slotCap = 0;
  protected f64: Float64Array;
  protected u32: Uint32Array;
  protected interners: Interner[];
  /** slot -> per source, the records after the first. */
  protected readonly extras = new Map<number, NormalizedRecord[][]>();
  protected state: 'adding' | 'iterating' | 'done' = 'adding';
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

  /** `storage`: see ReconcilerStorage (the CLI's subclass passes its own). */
  constructor(
    sources: readonly SourceInfo[],
    options: ReconcileOptions = {},
    private readonly storage: ReconcilerStorage = PLAIN_STORAGE,
  ) {
    if (sources.length < 2) throw new Error('reconcile needs at least two sources');
    if (sources.length > MAX_SOURCES) throw new Error(`at most ${MAX_SOURCES} sources`);
    const names = new Set(sources.map((s) => s.name));
    if (names.size !== sources.length) throw new Error('source names must be unique');
    this.sources = sources.map((s) => ({ name: s.name, kind: s.kind }));
    const n = (this.n = sources.length);
    this.match = MatchOptionsSchema.parse(options.match ?? {});
    if (this.match.dateWindowsDays.length > n) throw new Error(`date windows for ${this.match.dateWindowsDays.length} sources, but there are ${n}`);
    // An older configuration's tolerance in ms: that many whole days either way (rounded up).
    this.legacyDays = Math.ceil(this.match.dateToleranceMs / 86_400_000);
    if (this.match.dateWindowsDays.some((w) => w !== null)) {
      this.windowMin = new Float64Array(n);
      this.windowMax = new Float64Array(n);
      for (let i = 1; i < n; i++) {
        const w = this.match.dateWindowsDays[i];
        this.windowMin[i] = w ? w.min : 0;
        this.windowMax[i] = w ? w.max : 0;
      }
    }
    this.evaluate = compileRuleSet(options.rules ?? DEFAULT_RULE_SET, this.sources);
    const expected = Math.max(0, Math.min(options.expectedKeys ?? 0, 2 ** 28));
    this.table = storage.keyTable(expected);
    this.slotCap = expected;
    const buf = storage.buffer(this.slotCap * n * REC_F64 * 8);
    this.f64 = new Float64Array(buf);
    this.u32 = new Uint32Array(buf);
    this.interners = this.sources.map(() => new Interner());
    this.missingCounts = new Float64Array(n);
    this.duplicateCounts = new Float64Array(n);
    this.amountTotals = CLASSES.map(() => this.sources.map(() => []));
  }

  protected growSlots(): void {
    const cap = Math.max(1024, this.slotCap * 2);
    const buf = this.storage.buffer(cap * this.n * REC_F64 * 8);
    const f64 = new Float64Array(buf);
    f64.set(this.f64);
    this.f64 = f64;
    this.u32 = new Uint32Array(buf);
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

  /** Low level: adds a record's values to a slot (status as statusIndex). */
  addValues(
    index: number, slot: number, amount: number, at: number | null, line: number,
    status: number, date: string | null, code: string, currency: string,
  ): void {
    const it = this.interners[index];
    if (!it) throw new RangeError(`no source ${index}`);
    it.records++;
    if (status === UNKNOWN_INDEX) it.unknown.set(code, (it.unknown.get(code) ?? 0) + 1);
    const r = slot * this.n + index;
    const u = r * REC_U32;
    const u32 = this.u32;
    const c = u32[u + U_COUNT] as number;
    u32[u + U_COUNT] = c + 1;
    if (c === 0) {
      const f = r * REC_F64;
      this.f64[f] = amount;
      this.f64[f + 1] = at === null ? NaN : at;
      u32[u + U_LINE] = line;
      u32[u + U_STATUS] = status;
      u32[u + U_DATE] = it.date(date);
      u32[u + U_CODE] = it.code(code);
      u32[u + U_CUR] = it.currency(currency);
      return;
    }
    this.addExtra(index, slot, amount, at, line, status, date, code, currency);
  }

  /** A further record of a key already seen in this source (a duplicate). */
  protected addExtra(
    index: number, slot: number, amount: number, at: number | null, line: number,
    status: number, date: string | null, code: string, currency: string,
  ): void {
    let x = this.extras.get(slot);
    if (!x) {
      x = Array.from({ length: this.n }, () => []);
      this.extras.set(slot, x);
    }
    const rec: NormalizedRecord = {
      key: this.table.keyOf(slot), line, at, date, amount, currency,
      status: STATUS_ORDER[status] as Status, code,
    };
    if (line === 0) delete rec.line;
    x[index]?.push(rec);
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
    const f64 = this.f64;
    const u32 = this.u32;
    v.f64 = f64;
    v.u32 = u32;
    let present = 0, presentMask = 0, dupMask = 0, ref = -1;
    for (let i = 0; i < n; i++) {
      const u = (slot * n + i) * REC_U32;
      const c = u32[u + U_COUNT] as number;
      v.counts[i] = c;
      if (c === 0) {
        v.statuses[i] = -1;
        this.missingCounts[i] = (this.missingCounts[i] as number) + 1;
      } else {
        v.statuses[i] = u32[u + U_STATUS] as number;
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
      const rr = slot * n + ref;
      const rst = v.statuses[ref] as number;
      const ramt = f64[rr * REC_F64] as number;
      const rday = (this.interners[ref] as Interner).dayOf(u32[rr * REC_U32 + U_DATE] as number);
      const rcur = (this.interners[ref] as Interner).strings[u32[rr * REC_U32 + U_CUR] as number] ?? '';
      const wmin = this.windowMin;
      const wmax = this.windowMax;
      if (rst === UNKNOWN_INDEX) reasons |= UNKNOWN_BIT;
      for (let i = ref + 1; i < n; i++) {
        const st = v.statuses[i] as number;
        if (st < 0) continue;
        const r = slot * n + i;
        if (st === UNKNOWN_INDEX) reasons |= UNKNOWN_BIT;
        if (st !== rst) reasons |= STATUS_BIT;
        if (!this.amountsAgree(f64[r * REC_F64] as number, ramt)) reasons |= AMOUNT_BIT;
        const cur = (this.interners[i] as Interner).strings[u32[r * REC_U32 + U_CUR] as number] ?? '';
        if (cur !== '' && rcur !== '' && cur !== rcur) reasons |= CURRENCY_BIT;
        // Calendar days: source i's window and the reference's, both relative to the first source.
        const day = (this.interners[i] as Interner).dayOf(u32[r * REC_U32 + U_DATE] as number);
        const diff = day - rday;
        if (wmin === null ? diff > this.legacyDays || diff < -this.legacyDays : diff < (wmin[i] as number) - (wmax![ref] as number) || diff > (wmax![i] as number) - (wmin[ref] as number)) reasons |= DATE_BIT;
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
      if ((v.statuses[i] as number) < 0) continue;
      const r = slot * n + i;
      const t = totals[i] as number[];
      const cu = u32[r * REC_U32 + U_CUR] as number;
      t[cu] = (t[cu] ?? 0) + (f64[r * REC_F64] as number);
      if (dupMask & (1 << i)) {
        const it = this.interners[i] as Interner;
        for (const x of this.extras.get(slot)?.[i] ?? []) {
          const xc = it.intern(x.currency);
          t[xc] = (t[xc] ?? 0) + x.amount;
        }
      }
    }
  }

  private begin(): RowView {
    if (this.state !== 'adding') throw new Error('rows can be iterated once');
    this.state = 'iterating';
    return new RowView(this.interners, this.table, this.n);
  }

  /**
   * Yields a reused RowView per key (first-seen order): no allocation per
   * row. The view is only valid until the next iteration step.
   */
  *views(from = 0, to = Infinity): Generator<RowView> {
    const v = this.begin();
    const total = Math.min(to, this.table.size);
    for (let slot = Math.max(0, from); slot < total; slot++) {
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
      row.extra = this.sources.map((_, i) => (x?.[i] ?? []).map((r) => ({ ...r })));
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
      const it = this.interners[i] as Interner;
      s.sources[src.name] = it.records;
      s.missing[src.name] = this.missingCounts[i] as number;
      s.duplicates[src.name] = this.duplicateCounts[i] as number;
      const u: Record<string, number> = {};
      for (const [code, k] of it.unknown) u[code] = k;
      s.unknownStatuses[src.name] = u;
      CLASSES.forEach((cls, ci) => {
        const t = (this.amountTotals[ci] as number[][])[i] as number[];
        t.forEach((sum, cu) => {
          if (sum === undefined) return;
          const cur = it.strings[cu] || NO_CURRENCY;
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
