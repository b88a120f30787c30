import { SEVERITIES, type ProgressionViolation, type ResultRow, type SourceKind as EngineKind } from '@/lib/reconcile';
import { type ResolvedInputs } from './start-run';
import { engineMembers } from './engine-members';
import { type ResultInsertRow } from '@/lib/server/db/result-insert';
import { type ResultDetail, type SourceSide } from '@/lib/reconcile/result-detail';

export const ENGINE_KINDS = new Set<EngineKind>(['gateway', 'bank', 'crm', 'erp', 'other']);
const SEVERITY_RANK = Object.fromEntries(SEVERITIES.map((s, i) => [s, i])) as Record<string, number>;

function joined(values: readonly string[]): string {
  return values.length ? `;${values.join(';')};` : '';
}

/** What a side read for a key: the record it shows; in a group, which source it came from and how many rows were folded into it. */
export type SideInfo = { recordId: number; snapshots: number; sourceIndex?: number; combined?: number };

export function resultData(
  runId: string,
  row: ResultRow,
  inputs: ResolvedInputs,
  sides: Map<string, SideInfo>[],
  violations: Map<string, ProgressionViolation[]>,
): ResultInsertRow {
  const present = row.records.map((r) => r !== null);
  const refIndex = present.indexOf(true);
  const ref = row.records[refIndex]!;
  let min = Infinity;
  let max = -Infinity;
  for (const r of row.records) {
    if (!r) continue;
    min = Math.min(min, r.amount);
    max = Math.max(max, r.amount);
  }
  const members = engineMembers(inputs);
  const sources: SourceSide[] = members.map((m, i) => {
    const r = row.records[i] ?? null;
    const info = sides[i]!.get(row.key);
    const s = inputs.sources[info?.sourceIndex ?? m.sourceIndexes[0]!]!;
    return {
      sourceId: s.sourceId,
      name: m.name,
      ...(m.sourceIndexes.length > 1 && r ? { origin: s.name } : {}),
      ...(info?.combined ? { combined: info.combined } : {}),
      kind: m.kind,
      present: r !== null,
      count: row.counts[i] ?? 0,
      recordId: info?.recordId ?? null,
      status: r?.status ?? null,
      code: r?.code ?? null,
      amountMinor: r ? String(r.amount) : null,
      currency: r?.currency ?? null,
      date: r?.date ?? null,
      line: r?.line ?? null,
      snapshots: info?.snapshots ?? 0,
    };
  });
  const detail: ResultDetail = { sources, corrections: row.corrections, violations: violations.get(row.key) ?? [] };
  // An impossible status progression (Paid then Pending...) needs a person: at least a warning.
  const severity = detail.violations.length && row.severity === 'info' ? 'warning' : row.severity;
  return {
    runId,
    key: row.key,
    cls: row.class,
    reasons: joined(row.reasons),
    severity,
    severityRank: SEVERITY_RANK[severity] ?? 0,
    action: row.action,
    actionLabel: row.actionLabel,
    ruleId: row.ruleId ?? null,
    missingIn: joined(row.missingIn),
    duplicateIn: joined(row.duplicateIn),
    statuses: joined(members.map((s, i) => `${s.name}:${row.records[i]?.status ?? '-'}`)),
    amountMinor: BigInt(ref.amount),
    currency: ref.currency,
    date: ref.date,
    amountDiffMinor: BigInt(max - min),
    detail: JSON.stringify(detail),
    state: 'open',
  };
}
