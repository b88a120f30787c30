import type { SourceInfo } from './normalize';
import type { ResultRow } from './engine';
import { CLASSES, REASONS, SEVERITIES, type MatchClass, type Reason, type Severity } from './schemas';

/** Currency bucket for records without a currency (ISO 4217 "no currency"). */
export const NO_CURRENCY = 'XXX';

export interface Summary {
  /** Records per source (duplicates included). */
  sources: Record<string, number>;
  /** Distinct keys. */
  total: number;
  matched: number;
  mismatched: number;
  /** Keys absent from each source. */
  missing: Record<string, number>;
  /** Keys present more than once in each source. */
  duplicates: Record<string, number>;
  /** Keys per class. */
  classes: Record<MatchClass, number>;
  /** Keys per reason (a key may count under several reasons). */
  reasons: Record<Reason, number>;
  severity: Record<Severity, number>;
  actions: Record<string, number>;
  /** Records with an unmapped status code: source -> code -> count. */
  unknownStatuses: Record<string, Record<string, number>>;
  /** Amount totals in minor units: class -> currency -> source -> sum (every record counted). */
  amounts: Record<MatchClass, Record<string, Record<string, number>>>;
  /** matched / total (0 when there are no keys). */
  matchRate: number;
}

function zeros<K extends string>(keys: readonly K[]): Record<K, number> {
  const o = {} as Record<K, number>;
  for (const k of keys) o[k] = 0;
  return o;
}

export function emptySummary(sources: readonly SourceInfo[]): Summary {
  const byName = () => {
    const o: Record<string, number> = {};
    for (const s of sources) o[s.name] = 0;
    return o;
  };
  const unknown: Record<string, Record<string, number>> = {};
  for (const s of sources) unknown[s.name] = {};
  return {
    sources: byName(),
    total: 0,
    matched: 0,
    mismatched: 0,
    missing: byName(),
    duplicates: byName(),
    classes: zeros(CLASSES),
    reasons: zeros(REASONS),
    severity: zeros(SEVERITIES),
    actions: {},
    unknownStatuses: unknown,
    amounts: { matched: {}, mismatched: {}, missing: {}, duplicate: {} },
    matchRate: 0,
  };
}

/** Incremental summary: add rows as they stream by. */
export class SummaryBuilder {
  private readonly s: Summary;
  private readonly names: string[];
  constructor(sources: readonly SourceInfo[]) {
    this.s = emptySummary(sources);
    this.names = sources.map((x) => x.name);
  }

  add(row: ResultRow): void {
    const s = this.s;
    s.total++;
    s.classes[row.class]++;
    if (row.class === 'matched') s.matched++;
    else if (row.class === 'mismatched') s.mismatched++;
    for (const name of row.missingIn) s.missing[name] = (s.missing[name] ?? 0) + 1;
    for (const name of row.duplicateIn) s.duplicates[name] = (s.duplicates[name] ?? 0) + 1;
    for (const r of row.reasons) s.reasons[r]++;
    s.severity[row.severity]++;
    s.actions[row.action] = (s.actions[row.action] ?? 0) + 1;
    const byCur = s.amounts[row.class];
    for (let i = 0; i < this.names.length; i++) {
      const name = this.names[i] as string;
      const c = row.counts[i] ?? 0;
      if (c === 0) continue;
      s.sources[name] = (s.sources[name] ?? 0) + c;
      const first = row.records[i];
      if (first) this.addRecord(name, byCur, first);
      const more = row.extra?.[i];
      if (more) for (const rec of more) this.addRecord(name, byCur, rec);
    }
  }

  private addRecord(name: string, byCur: Record<string, Record<string, number>>, rec: ResultRow['records'][number] & object): void {
    const cur = rec.currency || NO_CURRENCY;
    const t = (byCur[cur] ??= {});
    t[name] = (t[name] ?? 0) + rec.amount;
    if (rec.status === 'Unknown') {
      const u = (this.s.unknownStatuses[name] ??= {});
      u[rec.code] = (u[rec.code] ?? 0) + 1;
    }
  }

  result(): Summary {
    const s = structuredClone(this.s);
    s.matchRate = s.total === 0 ? 0 : s.matched / s.total;
    return s;
  }
}

/** Builds the summary of a collection of rows. */
export function buildSummary(rows: Iterable<ResultRow>, sources: readonly SourceInfo[]): Summary {
  const b = new SummaryBuilder(sources);
  for (const r of rows) b.add(r);
  return b.result();
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

/** Merges summaries of disjoint key partitions into the summary of the whole run. */
export function mergeSummaries(parts: readonly Summary[], sources: readonly SourceInfo[]): Summary {
  const s = emptySummary(sources);
  for (const p of parts) {
    addCounts(s.sources, p.sources);
    s.total += p.total;
    s.matched += p.matched;
    s.mismatched += p.mismatched;
    addCounts(s.missing, p.missing);
    addCounts(s.duplicates, p.duplicates);
    addCounts(s.classes, p.classes);
    addCounts(s.reasons, p.reasons);
    addCounts(s.severity, p.severity);
    addCounts(s.actions, p.actions);
    for (const [src, codes] of Object.entries(p.unknownStatuses)) addCounts((s.unknownStatuses[src] ??= {}), codes);
    for (const cls of CLASSES) {
      for (const [cur, bySrc] of Object.entries(p.amounts[cls])) addCounts((s.amounts[cls][cur] ??= {}), bySrc);
    }
  }
  s.matchRate = s.total === 0 ? 0 : s.matched / s.total;
  return s;
}
