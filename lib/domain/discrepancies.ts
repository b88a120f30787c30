/**
 * What the engine says of a key: its class, why it differs, how bad it is. The engine (lib/reconcile)
 * uses these lists; labels and tones for people are keyed by the unions.
 */
import type { Tone } from './tone';

export const CLASSES = ['matched', 'mismatched', 'missing', 'duplicate'] as const;
export type MatchClass = (typeof CLASSES)[number];

export const REASONS = ['status', 'amount', 'currency', 'date', 'unknown_status'] as const;
export type Reason = (typeof REASONS)[number];

/** Ascending: the index is the severity's rank. */
export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const CLASS_LABELS = { matched: 'Matched', mismatched: 'Mismatched', missing: 'Missing', duplicate: 'Duplicate' } as const satisfies Record<MatchClass, string>;

export const REASON_LABELS = {
  status: 'Status differs',
  amount: 'Amount differs',
  currency: 'Currency differs',
  date: 'Date differs',
  unknown_status: 'Unknown status',
} as const satisfies Record<Reason, string>;

export const SEVERITY_INFO = {
  info: { label: 'Info', tone: 'neutral' },
  warning: { label: 'Warning', tone: 'warn' },
  critical: { label: 'Critical', tone: 'bad' },
} as const satisfies Record<Severity, { label: string; tone: Tone }>;
