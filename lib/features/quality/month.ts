/** A calendar month (UTC) named YYYY-MM: its first and last day, its bounds as instants, neighbours, label. */
export type Month = { month: string; from: string; to: string; start: Date; end: Date; prev: string; next: string; label: string };

export function parseMonth(value: string | null | undefined): Month | null {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(value?.trim() ?? '');
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const start = new Date(Date.UTC(y, mo - 1, 1));
  const end = new Date(Date.UTC(y, mo, 1));
  const last = new Date(end.getTime() - 86_400_000);
  const name = (d: Date) => d.toISOString().slice(0, 7);
  return {
    month: name(start),
    from: start.toISOString().slice(0, 10),
    to: last.toISOString().slice(0, 10),
    start,
    end,
    prev: name(new Date(Date.UTC(y, mo - 2, 1))),
    next: name(end),
    label: start.toLocaleDateString('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' }),
  };
}

/** The month containing an instant. */
export function monthOf(d: Date): string {
  return d.toISOString().slice(0, 7);
}

/** Relative change from before to now (null when before is zero or either is missing). */
export function change(now: number | null, before: number | null): number | null {
  if (now === null || before === null || before === 0) return null;
  return (now - before) / Math.abs(before);
}
