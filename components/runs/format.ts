export const RUN_STATUS: Record<string, { label: string; tone: 'ok' | 'warn' | 'neutral' | 'bad' }> = {
  queued: { label: 'Queued', tone: 'neutral' },
  running: { label: 'Running', tone: 'neutral' },
  completed: { label: 'Completed', tone: 'ok' },
  failed: { label: 'Failed', tone: 'bad' },
};

export const PHASE_LABELS: Record<string, string> = {
  reading: 'Reading records',
  writing: 'Writing results',
  'auto-resolving': 'Applying automatic rules',
  bucketing: 'Preparing key partitions',
  partitions: 'Reconciling key partitions in parallel (partitions done)',
  merging: 'Merging partitions',
  finishing: 'Rebuilding ROMI',
  done: 'Done',
};

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export const PASS_STATUS: Record<string, { label: string; tone: 'ok' | 'warn' | 'neutral' | 'bad' }> = {
  queued: { label: 'Queued', tone: 'neutral' },
  running: { label: 'Reconciling', tone: 'neutral' },
  completed: { label: 'Done', tone: 'ok' },
  failed: { label: 'Failed', tone: 'bad' },
};

/** What set a ledger pass off, in words. */
export const PASS_TRIGGER: Record<string, string> = {
  ingestion: 'Upload',
  pull: 'API pull',
  webhook: 'Webhook',
  rules: 'Rule-set change',
  person: 'Asked for',
  upgrade: 'Carried over from a run',
};
