import type { SourceFact } from '@/lib/reconcile/ledger';
import type { ResultDetail } from '@/lib/reconcile/result-detail';

/** An entry's facts (lib/reconcile/ledger.ts) from its stored detail JSON. */
export function factsOf(detail: string | ResultDetail): SourceFact[] {
  const parsed: ResultDetail = typeof detail === 'string' ? (JSON.parse(detail) as ResultDetail) : detail;
  return parsed.sources.map((s) => ({ name: s.name, present: s.present, count: s.count, status: s.status, amountMinor: s.amountMinor, currency: s.currency, date: s.date }));
}
