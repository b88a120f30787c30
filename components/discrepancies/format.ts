import { CLASS_LABELS, REASON_LABELS, SEVERITY_INFO } from '@/lib/domain/discrepancies';
import { REVIEW_STATE_INFO } from '@/lib/domain/review';
import type { Tone } from '@/lib/domain/tone';
import { labelOf } from '@/lib/domain/labels';

export type { Tone };


export const stateInfo = (state: string): { label: string; tone: Tone } => labelOf(REVIEW_STATE_INFO, state) ?? { label: state, tone: 'neutral' };
export const severityTone = (severity: string): Tone => labelOf(SEVERITY_INFO, severity)?.tone ?? 'neutral';
export const classLabel = (cls: string): string => labelOf(CLASS_LABELS, cls) ?? cls;
export const reasonLabel = (reason: string): string => labelOf(REASON_LABELS, reason) ?? reason;

export function humanAction(action: string): string {
  const s = action.replaceAll('_', ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function ageLabel(days: number | null): string {
  if (days === null) return '—';
  if (days === 0) return 'today';
  return days === 1 ? '1 day' : `${days.toLocaleString('en-US')} days`;
}
