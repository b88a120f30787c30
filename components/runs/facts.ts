import type { SourceFact } from '@/lib/reconcile/ledger';
import { money } from '@/lib/features/review/discrepancies';

/** An entry's facts in one line: "Gateway: Paid 388.00 USD 2024-07-01 · Bank: no record". */
export function factsText(json: string): string {
  const facts = JSON.parse(json) as SourceFact[];
  return facts.map((f) => (f.present ? `${f.name}: ${f.status ?? '?'} ${f.amountMinor !== null ? `${money(BigInt(f.amountMinor), f.currency ?? '')} ${f.currency ?? ''}` : ''} ${f.date ?? ''}${f.count > 1 ? ` (${f.count} records)` : ''}` : `${f.name}: no record`).replace(/\s+/g, ' ').trim()).join(' · ');
}
