/** Shares and rates: null (shown as "—") when there is nothing to divide by, never NaN or Infinity. */
export function share(part: number, whole: number): number | null {
  if (!Number.isFinite(part) || !Number.isFinite(whole) || whole <= 0) return null;
  return part / whole;
}

/** A run's discrepancy rate: keys not matched over all keys. */
export function discrepancyRate(totalKeys: number, matched: number): number | null {
  return share(totalKeys - matched, totalKeys);
}

/** The systems a run compares, named in a stable order ("Bank ↔ Gateway"), so runs of the same systems group together. */
export function pairLabel(sourceNames: readonly string[]): string {
  return [...new Set(sourceNames)].sort((a, b) => a.localeCompare(b)).join(' ↔ ');
}
