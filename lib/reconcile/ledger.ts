/**
 * The reconciled ledger's rule for keeping decisions (issue 18, docs/ledger.md): an entry's *facts*
 * are what each member source says about its key (present or not, how many records, status,
 * amount, currency, date). New data that leaves the facts unchanged leaves the entry and its
 * decision alone (not even rewritten); new data that changes them updates the entry and, when a
 * person or a rule had settled it, reopens it with a reason a reviewer understands.
 *
 * Pure: no database, no framework. lib/features/ledger applies it inside the pass's transaction.
 */
import type { SourceSide } from './result-detail';

/** What one source says about a key: the part of SourceSide that decisions rest on. */
export type SourceFact = Pick<SourceSide, 'name' | 'present' | 'count' | 'status' | 'amountMinor' | 'currency' | 'date'>;

export type FactChange =
  | { kind: 'appeared'; source: string; status: string | null }
  | { kind: 'disappeared'; source: string }
  | { kind: 'duplicated'; source: string; count: number }
  | { kind: 'status'; source: string; from: string | null; to: string | null }
  | { kind: 'amount'; source: string; from: string | null; to: string | null; currency: string | null }
  | { kind: 'currency'; source: string; from: string | null; to: string | null }
  | { kind: 'date'; source: string; from: string | null; to: string | null };

/** The facts as one comparable string (sources by name, so member order does not matter). */
export function factsFingerprint(facts: readonly SourceFact[]): string {
  // Only what the sources say: a source without the key says nothing, so a source added to the
  // reconciliation leaves the facts of the keys it does not have unchanged.
  return facts
    .filter((f) => f.present)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((f) => [f.name, f.count, f.status ?? '', f.amountMinor ?? '', f.currency ?? '', f.date ?? ''].join('\u001f'))
    .join('\u001e');
}

/** What changed between two sets of facts, source by source, in a stable order. */
export function factChanges(before: readonly SourceFact[], after: readonly SourceFact[]): FactChange[] {
  const previous = new Map(before.map((f) => [f.name, f]));
  const changes: FactChange[] = [];
  const names = [...new Set([...before.map((f) => f.name), ...after.map((f) => f.name)])].sort();
  const now = new Map(after.map((f) => [f.name, f]));
  for (const source of names) {
    const was = previous.get(source);
    const is = now.get(source);
    const wasPresent = Boolean(was?.present);
    const isPresent = Boolean(is?.present);
    if (!wasPresent && isPresent) {
      changes.push({ kind: 'appeared', source, status: is!.status });
      continue;
    }
    if (wasPresent && !isPresent) {
      changes.push({ kind: 'disappeared', source });
      continue;
    }
    if (!wasPresent || !was || !is) continue;
    if (is.count > 1 && is.count !== was.count) changes.push({ kind: 'duplicated', source, count: is.count });
    if (was.status !== is.status) changes.push({ kind: 'status', source, from: was.status, to: is.status });
    if (was.currency !== is.currency) changes.push({ kind: 'currency', source, from: was.currency, to: is.currency });
    else if (was.amountMinor !== is.amountMinor) changes.push({ kind: 'amount', source, from: was.amountMinor, to: is.amountMinor, currency: is.currency });
    if (was.date !== is.date) changes.push({ kind: 'date', source, from: was.date, to: is.date });
  }
  return changes;
}

/** One change in a reviewer's words: "Bank now says Failed (was Paid)". */
export function describeChange(change: FactChange, formatAmount: (minor: string, currency: string | null) => string = (m, c) => `${m} ${c ?? ''}`.trim()): string {
  switch (change.kind) {
    case 'appeared':
      return `${change.source} now has this transaction${change.status ? ` (${change.status})` : ''}`;
    case 'disappeared':
      return `${change.source} no longer has this transaction`;
    case 'duplicated':
      return `${change.source} now has it ${change.count} times`;
    case 'status':
      return `${change.source} now says ${change.to ?? 'nothing'}${change.from ? ` (was ${change.from})` : ''}`;
    case 'amount':
      return `${change.source} now says ${change.to === null ? 'no amount' : formatAmount(change.to, change.currency)}${change.from === null ? '' : ` (was ${formatAmount(change.from, change.currency)})`}`;
    case 'currency':
      return `${change.source} now says ${change.to ?? 'no currency'} (was ${change.from ?? 'none'})`;
    case 'date':
      return `${change.source} now dates it ${change.to ?? 'nowhere'}${change.from ? ` (was ${change.from})` : ''}`;
  }
}

export type SettledDecision = { label: string; at: Date; finalStatus: string | null };

/**
 * The reason shown on a reopened entry: the changes, then the decision they undo, e.g.
 * "Bank now says Failed (was Paid); it was resolved as Paid on 3 Dec 2026."
 */
export function reopenReason(
  changes: readonly FactChange[],
  decision: SettledDecision,
  opts: { formatAmount?: (minor: string, currency: string | null) => string; formatDate?: (d: Date) => string } = {},
): string {
  const formatDate = opts.formatDate ?? ((d: Date) => d.toISOString().slice(0, 10));
  const what = changes.length ? changes.map((c) => describeChange(c, opts.formatAmount)).join('; ') : 'The facts changed';
  const settled = decision.finalStatus ? `${decision.label.toLowerCase()} as ${decision.finalStatus}` : decision.label.toLowerCase();
  return `${what[0]!.toUpperCase()}${what.slice(1)}; it was ${settled} on ${formatDate(decision.at)}.`;
}

export type EntryOutcome =
  /** Same facts: nothing is written. */
  | { kind: 'unchanged' }
  /** New key: a new open entry. */
  | { kind: 'created' }
  /** Facts changed on an entry nobody had settled: updated, still in its review state. */
  | { kind: 'changed'; changes: FactChange[] }
  /** Facts changed on a settled entry: updated and reopened, its decision kept in its history. */
  | { kind: 'reopened'; changes: FactChange[] };

/** Whether a review state is a settled one (a decision that new facts may undo). */
export const isSettledState = (state: string) => state === 'resolved' || state === 'written_off';

/** What a pass does to one entry, from its stored facts and state and the facts the sources give now. */
export function entryOutcome(existing: { facts: readonly SourceFact[]; state: string } | null, facts: readonly SourceFact[]): EntryOutcome {
  if (!existing) return { kind: 'created' };
  if (factsFingerprint(existing.facts) === factsFingerprint(facts)) return { kind: 'unchanged' };
  const changes = factChanges(existing.facts, facts);
  return isSettledState(existing.state) ? { kind: 'reopened', changes } : { kind: 'changed', changes };
}
