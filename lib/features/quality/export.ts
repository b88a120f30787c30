/** Each data-quality figure as CSV: the same numbers the page draws, one row per bar, point or line. */
import type { QualityData } from '@/lib/features/quality/queries';
import { csvRatio, toCsv } from './csv';
import { hours } from './format';

export const FIGURES = {
  runs: 'Discrepancy rate per run and pair of systems',
  reasons: 'Reasons breakdown',
  'resolution-severity': 'Resolution time per severity',
  'resolution-reviewer': 'Resolution time per reviewer',
  automatic: 'Share resolved automatically',
  backlog: 'Backlog by age',
  unmapped: 'Unmapped status codes',
  drift: 'Drift events',
  freshness: 'Freshness per source',
} as const;
export type Figure = keyof typeof FIGURES;

export function isFigure(v: unknown): v is Figure {
  return typeof v === 'string' && Object.hasOwn(FIGURES, v);
}

const iso = (d: Date | null) => (d ? d.toISOString() : '');

export function figureCsv(figure: Figure, d: QualityData): string {
  switch (figure) {
    case 'runs':
      return toCsv(
        ['run_id', 'started_at', 'finished_at', 'systems', 'keys', 'matched', 'mismatched', 'missing', 'duplicate', 'discrepancies', 'discrepancy_rate'],
        d.runs.map((r) => [r.runId, iso(r.createdAt), iso(r.finishedAt), r.pair, r.totalKeys, r.matched, r.mismatched, r.missing, r.duplicate, r.discrepancies, csvRatio(r.rate)]),
      );
    case 'reasons':
      return toCsv(['run_id', 'reason', 'keys'], d.reasons.map((r) => [d.run?.id ?? '', r.reason, r.count]));
    case 'resolution-severity':
      return toCsv(['severity', 'decisions', 'median_hours', 'p90_hours'], d.bySeverity.map((g) => [g.group, g.count, hours(g.medianMs), hours(g.p90Ms)]));
    case 'resolution-reviewer':
      return toCsv(['reviewer', 'decisions', 'median_hours', 'p90_hours'], d.byReviewer.map((g) => [g.group, g.count, hours(g.medianMs), hours(g.p90Ms)]));
    case 'automatic':
      return toCsv(['automatic', 'manual', 'automatic_share'], [[d.automatic.automatic, d.automatic.manual, csvRatio(d.automatic.share)]]);
    case 'backlog':
      return toCsv(['run_id', 'age', 'open_discrepancies'], d.backlog.map((b) => [d.run?.id ?? '', b.label, b.count]));
    case 'unmapped':
      return toCsv(['run_id', 'source', 'status_code', 'records'], d.unmapped.map((u) => [d.run?.id ?? '', u.source, u.code, u.count]));
    case 'drift':
      return toCsv(['source', 'kind', 'severity', 'events'], d.drift.counts.map((c) => [c.source, c.kind, c.severity, c.count]));
    case 'freshness':
      return toCsv(
        ['source', 'kind', 'last_upload', 'last_pull', 'last_webhook', 'last_data', 'age_hours', 'status'],
        d.freshness.map((s) => [s.name, s.kind, iso(s.lastUpload), iso(s.lastPull), iso(s.lastWebhook), iso(s.last), s.ageHours === null ? '' : s.ageHours.toFixed(1), s.status]),
      );
  }
}
