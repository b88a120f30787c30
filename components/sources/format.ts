export const KIND_LABELS: Record<string, string> = {
  gateway: 'Payment gateway',
  bank: 'Bank',
  crm: 'CRM',
  erp: 'ERP',
  ads: 'Ad platform',
  other: 'Other',
};

const dateTime = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
export function formatDateTime(d: Date | string): string {
  return dateTime.format(typeof d === 'string' ? new Date(d) : d);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export const STATUS_LABELS: Record<string, { label: string; tone: 'ok' | 'warn' | 'neutral' | 'bad' }> = {
  staged: { label: 'Waiting for mapping', tone: 'neutral' },
  processing: { label: 'Processing', tone: 'neutral' },
  needs_decision: { label: 'Invalid rows: decide', tone: 'warn' },
  committed: { label: 'Ingested', tone: 'ok' },
  failed: { label: 'Failed', tone: 'bad' },
  aborted: { label: 'Aborted', tone: 'warn' },
  blocked: { label: 'Blocked: schema drift', tone: 'bad' },
  duplicate: { label: 'Duplicate file', tone: 'warn' },
};
