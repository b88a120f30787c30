// Shared helpers for the CLI's tests.
import { CsvSplitter } from '@/lib/reconcile/csv';
import type { CsvIngest } from './csv-ingest';

/**
 * Feeds a CSV text (no header line) to an ingest the way the CLI reads a file:
 * in pieces of whole lines cut at the given line counts (cycled); a piece
 * holding no double quote, at a record boundary, goes to `onBytes` as UTF-8
 * through one reused buffer, the others through the splitter as text.
 * `cuts` empty: the text path only.
 */
export function feedCsv(ing: CsvIngest, text: string, cuts: readonly number[] = []): void {
  const sp = new CsvSplitter(',', { continued: true });
  const lines = text.split(/(?<=\n)/);
  const scratch = new Uint8Array(text.length * 3 + 16);
  const encoder = new TextEncoder();
  for (let i = 0, k = 0; i < lines.length; k++) {
    const n = cuts.length === 0 ? lines.length : Math.max(1, cuts[k % cuts.length] as number);
    const piece = lines.slice(i, i + n).join('');
    i += n;
    if (cuts.length > 0 && ing.onBytes && sp.atBoundary && piece.endsWith('\n') && !piece.includes('"')) {
      // the same buffer every time: onBytes must be done with it when it returns
      scratch.fill(0xff);
      const { written } = encoder.encodeInto(piece, scratch);
      sp.skipLines(ing.onBytes(scratch, 0, written, sp.nextLine));
    } else sp.push(piece, ing.onRow, ing.onLine);
  }
  sp.end(ing.onRow, ing.onLine);
  ing.flush();
}
