/**
 * A new entry's "created" history row does not repeat its facts: its factsAfter is IMPLIED_FACTS and
 * the facts it was created with are read where they already are. A fill wrote every entry's facts
 * twice (the entry's detail and its history row: a JSON array per key, 1M of them at 1M keys). The
 * facts an entry was created with are the facts before its first change (that history row's
 * factsBefore) or, never changed since, its facts now. Rows written before keep their own facts.
 */
import { type DbClient as Client } from '@/lib/server/db/client';
import { factsOf } from './facts';

export const IMPLIED_FACTS = '';

const CHUNK = 500;

const implied = (h: { change: string; factsAfter: string }) => h.change === 'created' && h.factsAfter === IMPLIED_FACTS;

/** The facts (JSON SourceFact[]) each entry was created with. */
async function createdFacts(db: Client, resultIds: readonly number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (let i = 0; i < resultIds.length; i += CHUNK) {
    const ids = resultIds.slice(i, i + CHUNK);
    const later = await db.entryHistory.findMany({ where: { resultId: { in: ids }, change: { not: 'created' }, factsBefore: { not: null } }, orderBy: [{ at: 'asc' }, { id: 'asc' }], select: { resultId: true, factsBefore: true } });
    for (const h of later) if (!out.has(h.resultId)) out.set(h.resultId, h.factsBefore!);
    const unchanged = ids.filter((id) => !out.has(id));
    if (!unchanged.length) continue;
    for (const e of await db.runResult.findMany({ where: { id: { in: unchanged } }, select: { id: true, detail: true } })) out.set(e.id, JSON.stringify(factsOf(e.detail)));
  }
  return out;
}

/** History rows with the facts of every "created" row that implies them filled in. */
export async function withCreatedFacts<T extends { resultId: number; change: string; factsAfter: string }>(db: Client, rows: readonly T[]): Promise<T[]> {
  const ids = [...new Set(rows.filter(implied).map((h) => h.resultId))];
  if (!ids.length) return [...rows];
  const facts = await createdFacts(db, ids);
  return rows.map((h) => (implied(h) ? { ...h, factsAfter: facts.get(h.resultId) ?? '[]' } : h));
}
