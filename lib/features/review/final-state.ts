import { CANONICAL_STATUSES } from '@/lib/reconcile';
import { type ResultDetail, type SourceSide } from '@/lib/reconcile/result-detail';
import { InvalidRequestError as ReviewError } from '@/lib/server/core/app-error';

/** The reconciled outcome of one transaction: what ROMI counts (only when Paid). */
export type FinalState = { status: string; amountMinor: bigint; currency: string };

/** The source whose word is final: the first bank-kind source (the bank holds the final status). */
function authority(sides: readonly SourceSide[]): SourceSide | undefined {
  return sides.find((s) => s.kind === 'bank' && s.present);
}

function reference(sides: readonly SourceSide[]): SourceSide | undefined {
  return sides.find((s) => s.present);
}

function amountOf(side: SourceSide | undefined): bigint {
  return side?.amountMinor ? BigInt(side.amountMinor) : 0n;
}

/**
 * The final state after applying the rule's corrections: the bank's status when a bank is
 * present (after the correction), else the status every source agrees on. Null when the
 * corrections leave the systems disagreeing with no authority (no recommendation to apply).
 */
export function finalFromRecommendation(detail: ResultDetail, ruleId: string | null, fallbackCurrency: string): FinalState | null {
  if (ruleId === null) return null;
  const sides = detail.sources.map((s) => ({ ...s }));
  for (const c of detail.corrections) {
    const side = sides.find((s) => s.name === c.source);
    if (!side) continue;
    if (c.op === 'create' && !side.present) {
      const ref = reference(sides);
      Object.assign(side, { present: true, status: c.status, amountMinor: ref?.amountMinor ?? '0', currency: ref?.currency ?? fallbackCurrency });
    } else if (side.present) side.status = c.status;
  }
  const bank = authority(sides);
  if (bank?.status) return { status: bank.status, amountMinor: amountOf(bank), currency: bank.currency || fallbackCurrency };
  const present = sides.filter((s) => s.present);
  const statuses = new Set(present.map((s) => s.status));
  if (present.length && statuses.size === 1) {
    const ref = present[0]!;
    return { status: ref.status!, amountMinor: amountOf(ref), currency: ref.currency || fallbackCurrency };
  }
  return null;
}

/** A timing difference: the records will agree once the slower system catches up; the bank's record stands. */
export function finalForTimingDifference(detail: ResultDetail, fallbackCurrency: string): FinalState {
  const side = authority(detail.sources) ?? reference(detail.sources);
  if (!side?.status) throw new ReviewError('No source holds a record for this key.');
  return { status: side.status, amountMinor: amountOf(side), currency: side.currency || fallbackCurrency };
}

export function finalFromSource(detail: ResultDetail, sourceName: string, fallbackCurrency: string): FinalState {
  const side = detail.sources.find((s) => s.name === sourceName);
  if (!side) throw new ReviewError(`"${sourceName}" is not a source of this run.`);
  if (!side.present || !side.status) throw new ReviewError(`${sourceName} has no record for this key; accept another source's value or enter a manual correction.`);
  return { status: side.status, amountMinor: amountOf(side), currency: side.currency || fallbackCurrency };
}

export function finalFromManual(values: { status: string; amountMinor: bigint; currency?: string | null }, fallbackCurrency: string): FinalState {
  if (!(CANONICAL_STATUSES as readonly string[]).includes(values.status)) {
    throw new ReviewError(`Status must be one of: ${CANONICAL_STATUSES.join(', ')}.`);
  }
  if (values.amountMinor < 0n) throw new ReviewError('The corrected amount cannot be negative.');
  const currency = (values.currency || fallbackCurrency).toUpperCase();
  if (!/^[A-Z]{3}$/.test(currency)) throw new ReviewError('Currency must be a three-letter ISO code such as USD.');
  return { status: values.status, amountMinor: values.amountMinor, currency };
}
