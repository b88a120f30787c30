import { CLASS_LABELS, REASON_LABELS, SEVERITY_INFO } from '@/lib/domain/discrepancies';
import { REVIEW_STATE_INFO } from '@/lib/domain/review';
import type { Tone } from '@/lib/domain/tone';

export type { Tone };

/** A value from the database, which the type system cannot vouch for, looked up in a label map. */
function lookup<K extends string, V>(map: Record<K, V>, key: string): V | undefined {
  return Object.hasOwn(map, key) ? map[key as K] : undefined;
}

export const stateInfo = (state: string): { label: string; tone: Tone } => lookup(REVIEW_STATE_INFO, state) ?? { label: state, tone: 'neutral' };
export const severityTone = (severity: string): Tone => lookup(SEVERITY_INFO, severity)?.tone ?? 'neutral';
export const classLabel = (cls: string): string => lookup(CLASS_LABELS, cls) ?? cls;
export const reasonLabel = (reason: string): string => lookup(REASON_LABELS, reason) ?? reason;

export function humanAction(action: string): string {
  const s = action.replaceAll('_', ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function ageLabel(days: number | null): string {
  if (days === null) return '—';
  if (days === 0) return 'today';
  return days === 1 ? '1 day' : `${days.toLocaleString('en-US')} days`;
}
