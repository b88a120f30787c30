export type Tone = 'ok' | 'warn' | 'neutral' | 'bad';

export const STATE_LABELS: Record<string, { label: string; tone: Tone }> = {
  open: { label: 'Open', tone: 'warn' },
  in_review: { label: 'In review', tone: 'neutral' },
  resolved: { label: 'Resolved', tone: 'ok' },
  escalated: { label: 'Escalated', tone: 'bad' },
  written_off: { label: 'Written off', tone: 'neutral' },
};

export const SEVERITY_TONE: Record<string, Tone> = { critical: 'bad', warning: 'warn', info: 'neutral' };

export const CLASS_LABELS: Record<string, string> = { matched: 'Matched', mismatched: 'Mismatched', missing: 'Missing', duplicate: 'Duplicate' };

export const REASON_LABELS: Record<string, string> = {
  status: 'Status differs',
  amount: 'Amount differs',
  currency: 'Currency differs',
  date: 'Date differs',
  unknown_status: 'Unknown status',
};

export function humanAction(action: string): string {
  const s = action.replaceAll('_', ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function ageLabel(days: number | null): string {
  if (days === null) return '—';
  if (days === 0) return 'today';
  return days === 1 ? '1 day' : `${days.toLocaleString('en-US')} days`;
}
