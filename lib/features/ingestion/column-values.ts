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
  if (ingestion.status === 'committed') return committedColumnValues(id, column, db);
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

function summarise(column: string, counts: Map<string, number>, rows: number, more: boolean): ColumnValues {
  const values = [...counts].map(([value, n]) => ({ value, rows: n })).sort((a, b) => b.rows - a.rows || a.value.localeCompare(b.value));
  return { column, values: values.slice(0, MAX_DISTINCT), rows, more: more || values.length > MAX_DISTINCT };
}

/** The same over an ingested upload, from the raw rows its records keep (the profile editor maps codes of what is already in). */
async function committedColumnValues(id: string, column: string, db: Client): Promise<ColumnValues> {
  const counts = new Map<string, number>();
  let rows = 0;
  let more = false;
  let lastId = 0;
  for (;;) {
    const page = await db.sourceRecord.findMany({ where: { ingestionId: id, id: { gt: lastId } }, orderBy: { id: 'asc' }, take: 2000, select: { id: true, raw: true } });
    if (!page.length) break;
    lastId = page[page.length - 1]!.id;
    for (const r of page) {
      const raw = r.raw ? (JSON.parse(r.raw) as Record<string, string>) : {};
      if (rows === 0 && !(column in raw)) throw ingestionStateError(`The file has no column "${column}".`);
      rows++;
      const v = (raw[column] ?? '').trim();
      const n = counts.get(v);
      if (n !== undefined) counts.set(v, n + 1);
      else if (counts.size < MAX_DISTINCT * 5) counts.set(v, 1);
      else more = true;
    }
  }
  return summarise(column, counts, rows, more);
}

/**
 * What the profile editor shows: the source's newest ingested upload as a preview (its header and first
 * rows from the raw rows its records keep) with the current profile, so a mapping can be fixed without
 * uploading again. Null when nothing is ingested yet.
 */
export async function committedPreview(sourceId: string, db: Client = getPrisma()) {
  const ingestion = await db.ingestion.findFirst({ where: { sourceId, status: 'committed', channel: 'upload' }, orderBy: { createdAt: 'desc' }, select: { id: true, fileName: true, format: true, profileVersion: { select: { version: true } } } });
  if (!ingestion) return null;
  const sample = await db.sourceRecord.findMany({ where: { ingestionId: ingestion.id }, orderBy: { id: 'asc' }, take: 20, select: { raw: true } });
  const raws = sample.map((r) => (r.raw ? (JSON.parse(r.raw) as Record<string, string>) : {}));
  const header = Object.keys(raws[0] ?? {});
  return {
    ingestionId: ingestion.id,
    fileName: ingestion.fileName,
    readWithVersion: ingestion.profileVersion?.version ?? null,
    format: JSON.parse(ingestion.format ?? '{}') as unknown,
    header,
    sampleRows: raws.map((r) => header.map((h) => r[h] ?? '')),
  };
}
