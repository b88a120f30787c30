/** A duration for people: "45 s", "12 min", "3.5 h", "2.1 days"; "—" without a value. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const s = Math.max(0, ms) / 1000;
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86_400 * 2) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(1)} days`;
}

/** Hours with two decimals, for CSV and charts. */
export function hours(ms: number): number {
  return Math.round((ms / 3_600_000) * 100) / 100;
}

export function formatPercent(r: number | null, digits = 1): string {
  return r === null ? '—' : `${(r * 100).toFixed(digits)}%`;
}
