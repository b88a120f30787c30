// Shared helpers for the engine's tests (not part of the public API).
import { readFileSync } from 'node:fs';
import { CsvSplitter, parseCsv } from './csv';
import type { CsvIngest } from './csv-ingest';
import { compileProfile, type NormalizedRecord } from './normalize';
import type { SourceProfileInput } from './schemas';

/** Reads a CSV fixture and normalises it with a profile; throws on the first error. */
export function loadCsv(file: string, profile: SourceProfileInput): NormalizedRecord[] {
  const rows = parseCsv(readFileSync(file, 'utf8'));
  const [header, ...body] = rows;
  if (!header) throw new Error(`${file}: empty`);
  const b = compileProfile(profile).bindHeader(header.fields);
  if (!b.ok) throw new Error(`${file}: ${b.error.reason}`);
  return body.map((r) => {
    const n = b.fromFields(r.fields, r.line);
    if (!n.ok) throw new Error(`${file}:${n.error.line}: ${n.error.column}: ${n.error.reason}`);
    return n.record;
  });
}

let seq = 0;
/** A normalised record with defaults, for hand-written vectors. */
export function rec(p: Partial<NormalizedRecord> & { key: string }): NormalizedRecord {
  return {
    line: ++seq,
    at: Date.UTC(2024, 6, 1),
    date: '2024-07-01',
    amount: 1000,
    currency: 'EUR',
    status: 'Paid',
    code: p.status ?? 'Paid',
    ...p,
  };
}

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
