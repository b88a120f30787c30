/**
 * What new matching would change, before it is saved: the ledger's entries as they are (each side's
 * status, amount, currency and calendar day, from the entry's detail) are classified again by the
 * engine itself under the new tolerances and date windows, and compared with their class now
 * ("12 entries would match; 3 that match now would differ by date"). Bounded: the first
 * PREVIEW_LIMIT entries in key order.
 */
import { getPrisma, type DbClient as Client } from '@/lib/server/db/client';
import { Reconciler, type SourceKind } from '@/lib/reconcile';
import { type ResultDetail } from '@/lib/reconcile/result-detail';
import { memberGroups, parseMembers } from './members';
import { engineMatch, MatchingSchema, type MatchingInput } from './matching';

export const PREVIEW_LIMIT = 100_000;
const PAGE = 5_000;
const KINDS = new Set(['gateway', 'bank', 'crm', 'erp', 'other']);

export type MatchingPreview = {
  scanned: number;
  total: number;
  /** Entries that do not match now and would. */
  becomeMatched: number;
  /** Entries that match now and would not. */
  becomeMismatched: number;
  /** Of those, by the reason they would have (amount, date...). */
  newReasons: Record<string, number>;
  examples: { key: string; from: string; to: string }[];
};

export async function previewMatching(reconciliationId: string, raw: MatchingInput, db: Client = getPrisma()): Promise<MatchingPreview> {
  const matching = MatchingSchema.parse(raw);
  const rec = await db.reconciliation.findUniqueOrThrow({ where: { id: reconciliationId }, select: { ledgerRunId: true, members: true } });
  const groups = memberGroups(parseMembers(rec.members));
  const match = engineMatch(matching, groups);
  const total = await db.runResult.count({ where: { runId: rec.ledgerRunId } });
  const out: MatchingPreview = { scanned: 0, total, becomeMatched: 0, becomeMismatched: 0, newReasons: {}, examples: [] };
  let lastKey = '';
  while (out.scanned < PREVIEW_LIMIT) {
    const rows = await db.runResult.findMany({ where: { runId: rec.ledgerRunId, key: { gt: lastKey } }, orderBy: { key: 'asc' }, take: PAGE, select: { key: true, cls: true, reasons: true, detail: true } });
    if (!rows.length) break;
    lastKey = rows[rows.length - 1]!.key;
    const first = JSON.parse(rows[0]!.detail) as ResultDetail;
    if (first.sources.length !== groups.length) break; // a ledger whose sides changed since: nothing to compare
    const engine = new Reconciler(first.sources.map((s) => ({ name: s.name, kind: (KINDS.has(s.kind) ? s.kind : 'other') as SourceKind })), { match });
    const before = new Map<string, { cls: string; reasons: string }>();
    for (const r of rows) {
      const d = JSON.parse(r.detail) as ResultDetail;
      if (d.sources.length !== groups.length || d.sources.some((s) => s.count > 1)) continue; // duplicates stay duplicates
      before.set(r.key, { cls: r.cls, reasons: r.reasons });
      d.sources.forEach((s, i) => {
        if (s.present && s.status && s.amountMinor !== null) engine.add(i, { key: r.key, at: null, date: s.date, amount: Number(s.amountMinor), currency: s.currency ?? '', status: s.status as never, code: s.code ?? '' });
      });
    }
    for (const row of engine.rows()) {
      const was = before.get(row.key);
      if (!was) continue;
      out.scanned++;
      if (was.cls === row.class) continue;
      const to = row.class === 'mismatched' ? `differs: ${row.reasons.join(', ')}` : row.class;
      if (row.class === 'matched') out.becomeMatched++;
      else if (was.cls === 'matched') {
        out.becomeMismatched++;
        for (const reason of row.reasons) out.newReasons[reason] = (out.newReasons[reason] ?? 0) + 1;
      }
      if (out.examples.length < 8) out.examples.push({ key: row.key, from: was.cls === 'mismatched' ? `differs: ${was.reasons.split(';').filter(Boolean).join(', ')}` : was.cls, to });
    }
    if (rows.length < PAGE) break;
  }
  return out;
}
