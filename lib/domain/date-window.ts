/** A date window: the calendar days a source's date may fall after another source's (negative: before). */
export type DateWindow = { min: number; max: number };

/** How a window reads: "on the same day as Stripe", "0 to 5 days after Stripe", "from 1 day before to 2 days after Stripe". */
export function describeWindow(w: DateWindow | undefined, anchor: string): string {
  const days = (n: number) => `${Math.abs(n)} day${Math.abs(n) === 1 ? '' : 's'}`;
  if (!w || (w.min === 0 && w.max === 0)) return `on the same day as ${anchor}`;
  if (w.min === w.max) return `${days(w.min)} ${w.min > 0 ? 'after' : 'before'} ${anchor}`;
  if (w.min >= 0) return `${w.min} to ${days(w.max)} after ${anchor}`;
  if (w.max <= 0) return `${Math.abs(w.max)} to ${days(w.min)} before ${anchor}`;
  return `from ${days(w.min)} before to ${days(w.max)} after ${anchor}`;
}
