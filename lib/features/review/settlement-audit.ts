/**
 * The audit row of an automatic settlement covers many entries (auto-resolve.ts's recordSettlements):
 * its action, and how a page finds one entry's line in it.
 */
export const AUTO_SETTLEMENT_ACTION = 'discrepancy.auto_resolve';

export type SettlementLine = { resultId: number; key: string; version: number; finalStatus: string; finalAmountMinor: string; finalCurrency: string };

/** The audit row's `after`, parsed; null when it is not an automatic settlement's. */
export function settlementLines(action: string, after: string | null): { count: number; rules: Record<string, number>; lines: SettlementLine[] } | null {
  if (action !== AUTO_SETTLEMENT_ACTION || !after) return null;
  const parsed = JSON.parse(after) as { count?: number; rules?: Record<string, number>; columns?: string[]; entries?: unknown[][] };
  const columns = parsed.columns ?? [];
  const lines = (parsed.entries ?? []).map((e) => Object.fromEntries(columns.map((c, i) => [c, e[i]])) as SettlementLine);
  return { count: parsed.count ?? lines.length, rules: parsed.rules ?? {}, lines };
}

/** The audit row ids named by an entry's resolutions (an automatic settlement's `params.auditId`). */
export function settlementAuditIds(resolutions: readonly { params: string | null }[]): string[] {
  const ids = new Set<string>();
  for (const r of resolutions) {
    if (!r.params) continue;
    const id = (JSON.parse(r.params) as { auditId?: unknown }).auditId;
    if (typeof id === 'string') ids.add(id);
  }
  return [...ids];
}
