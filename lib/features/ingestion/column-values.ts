import { getPrisma, type DbClient as Client } from '@/lib/server/db/client';
import { readRows, sniffFile } from './parse';
import { loadIngestion } from './ingestion-state';
import { ingestionStateError } from './upload-limits';

export const MAX_DISTINCT = 200;

export type ColumnValues = { column: string; values: { value: string; rows: number }[]; rows: number; more: boolean };

/**
 * The distinct values of one column of a staged upload and their row counts, over the whole file
 * (streamed, never held): the mapping form lists every status code, not only the preview's, so a code
 * that first appears on row 30,000 can be mapped before the file is ingested. At most MAX_DISTINCT
 * values (most frequent first; `more` says some were left out).
 */
export async function stagedColumnValues(id: string, column: string, opts: { sheet?: string; db?: Client } = {}): Promise<ColumnValues> {
  const db = opts.db ?? getPrisma();
  const ingestion = await loadIngestion(id, db);
  if (ingestion.status !== 'staged' || !ingestion.stagedPath) throw ingestionStateError(`This upload is ${ingestion.status}; its values can be read only before it is ingested.`);
  const sniff = await sniffFile(ingestion.stagedPath, ingestion.fileName ?? 'upload', { format: opts.sheet ? { sheet: opts.sheet } : undefined });
  const index = sniff.header.indexOf(column);
  if (index < 0) throw ingestionStateError(`The file has no column "${column}".`);
  const counts = new Map<string, number>();
  let rows = 0;
  let more = false;
  for await (const row of readRows(ingestion.stagedPath, sniff.format)) {
    rows++;
    const v = (row.fields[index] ?? '').trim();
    const n = counts.get(v);
    if (n !== undefined) counts.set(v, n + 1);
    else if (counts.size < MAX_DISTINCT * 5) counts.set(v, 1); // bounded: an id column is not a list of codes
    else more = true;
  }
  const values = [...counts].map(([value, n]) => ({ value, rows: n })).sort((a, b) => b.rows - a.rows || a.value.localeCompare(b.value));
  return { column, values: values.slice(0, MAX_DISTINCT), rows, more: more || values.length > MAX_DISTINCT };
}
