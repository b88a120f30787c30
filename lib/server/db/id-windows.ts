import { yieldToEventLoop } from './yield';

/** Ids a window reads at most (rows of a window are held together: about 5 MB of records with their attributes). */
export const ID_WINDOW = 5000;

/**
 * Rows in id order, read a window of ids at a time between the bounds of the rows wanted (`read(after,
 * upTo)` reads those of `after < id <= upTo`). Paging by `id > last ORDER BY id LIMIT n` instead made
 * PostgreSQL gather every row still to come from the filter's indexes for each page: 300k deals took
 * 22 s to read, and the time grows with the square of the rows. A window is a range of the primary
 * key: its work is the window's ids, whatever else the table holds around them.
 */
export async function* idWindows<T>(bounds: { min: number | null; max: number | null }, read: (after: number, upTo: number) => Promise<T[]>, window = ID_WINDOW): AsyncGenerator<T[]> {
  if (bounds.min === null || bounds.max === null) return;
  for (let after = bounds.min - 1; after < bounds.max; after += window) {
    const rows = await read(after, Math.min(after + window, bounds.max));
    if (rows.length) yield rows;
    // A turn of the event loop after every window (timers, finalizers). After the last one it once made
    // acme-ledger.test.ts's next write on SQLite time out: the driver's poisoned connection kept the
    // write lock (lib/server/db/sqlite-busy.ts).
    await yieldToEventLoop();
  }
}
