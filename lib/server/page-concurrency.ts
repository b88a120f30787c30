/**
 * Pages in flight per user. The proxy's page budget (rate-limit.ts pageUser) caps how many pages a user
 * may ask for in a minute, but a script can spend a whole minute's budget in one second, and every one
 * of those renders then queues ahead of everyone else's. Here a user's pages render at most
 * PAIDLINE_PAGE_CONCURRENCY (default 4) at a time; the rest wait in line, costing no CPU meanwhile, so
 * other users' requests always find the server free of all but a few of that user's renders.
 * One process: each instance of the app has its own lines (the budget itself is shared).
 */
import { processSlot } from '@/lib/server/core/process-state';

type Line = { active: number; waiting: (() => void)[] };
const slot = processSlot<Map<string, Line>>('page-concurrency');

export function pageConcurrency(env: Record<string, string | undefined> = process.env): number {
  const n = Number(env.PAIDLINE_PAGE_CONCURRENCY ?? 4);
  return Number.isInteger(n) && n > 0 ? n : 4;
}

/** Waits for one of the key's places; the returned function gives it back (once, whatever happens). */
export async function enterLine(key: string, limit: number = pageConcurrency()): Promise<() => void> {
  const lines = slot.getOrCreate(() => new Map());
  let line = lines.get(key);
  if (!line) lines.set(key, (line = { active: 0, waiting: [] }));
  if (line.active >= limit) await new Promise<void>((resolve) => line!.waiting.push(resolve));
  else line.active++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const next = line!.waiting.shift();
    if (next) next(); // the place passes straight to the next in line
    else if (--line!.active === 0 && lines.get(key) === line) lines.delete(key);
  };
}

/** How many of the key's requests hold a place and how many wait (tests, metrics). */
export function lineState(key: string): { active: number; waiting: number } {
  const line = slot.get()?.get(key);
  return { active: line?.active ?? 0, waiting: line?.waiting.length ?? 0 };
}
