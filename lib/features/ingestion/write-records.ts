import { type DbClient as Client } from '@/lib/server/db/client';
import { compileIngestProfile, type IngestProfile, type SourceKind } from '@/lib/features/ingestion/profile';
import { readRows, sniffFile } from '@/lib/features/ingestion/parse';
import { openRecordSink, type SinkOptions } from '@/lib/server/db/record-sink';
import { loadIngestion } from './ingestion-state';
import { ingestionStateError } from './upload-limits';
import { currentProfileVersion } from './sources';

/** Rows between progress updates (at most every PROGRESS_EVERY_MS) and stored invalid rows a write. */
const BATCH_SIZE = 5000;
const PROGRESS_EVERY_MS = 300;
const MAX_STORED_ERRORS = 10_000;

/**
 * The raw row as JSON ({"header": "cell", ...}), built from the header's names escaped once rather
 * than an object per row (the same text JSON.stringify gives for an object of those keys). A header
 * that names a column twice keeps the object form: its last cell wins, as before.
 */
/** What JSON.stringify would escape in a string: quote, backslash, control characters, lone surrogates. */
const NEEDS_JSON_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

export function rawRowWriter(header: readonly string[]): (fields: readonly string[]) => string {
  if (new Set(header).size !== header.length) {
    return (fields) => {
      const raw: Record<string, string> = Object.create(null) as Record<string, string>;
      header.forEach((h, i) => (raw[h] = fields[i] ?? ''));
      return JSON.stringify(raw);
    };
  }
  const keys = header.map((h, i) => `${i ? ',' : '{'}${JSON.stringify(h)}:`);
  return (fields) => {
    let out = '';
    for (let i = 0; i < keys.length; i++) {
      const cell = fields[i] ?? '';
      // Most cells need no escaping: quoting them directly is several times faster than JSON.stringify.
      out += keys[i] + (NEEDS_JSON_ESCAPE.test(cell) ? JSON.stringify(cell) : `"${cell}"`);
    }
    return keys.length ? `${out}}` : '{}';
  };
}

export type WrittenRecords = { total: number; valid: number; invalid: number; codeCounts: [string, number][] };

/** The profile an ingestion is read with: its stored version (the source's current one when it is that version). */
export async function profileOf(ingestion: { sourceId: string; profileVersionId: string | null }, db: Client): Promise<IngestProfile> {
  const versionId = ingestion.profileVersionId;
  if (!versionId) throw ingestionStateError('The ingestion has no profile version yet.');
  const current = await currentProfileVersion(ingestion.sourceId, db);
  if (current && current.id === versionId) return current.profile;
  const version = await db.sourceProfileVersion.findUniqueOrThrow({ where: { id: versionId } });
  return JSON.parse(version.profile) as IngestProfile;
}

/**
 * Reads the staged file of a processing ingestion row by row, validates each row with its profile
 * and streams the valid ones into SourceRecord (lib/server/db/record-sink.ts), the invalid ones into
 * IngestionError, with progress on the ingestion row. Never holds the file. Runs in the web
 * server's process for a small file, in a process of its own for a large one (./ingest-placement.ts).
 */
export async function writeIngestionRecords(id: string, db: Client, options: SinkOptions = {}): Promise<WrittenRecords> {
  const ingestion = await loadIngestion(id, db);
  if (ingestion.status !== 'processing' || !ingestion.stagedPath || !ingestion.profileVersionId) {
    throw ingestionStateError(`Ingestion ${id} is not ready to process (${ingestion.status}).`);
  }
  const stagedPath = ingestion.stagedPath;
  const versionId = ingestion.profileVersionId;
  const profile = await profileOf(ingestion, db);
  const format = JSON.parse(ingestion.format ?? 'null') ?? profile.format;
  const sniff = await sniffFile(stagedPath, ingestion.fileName ?? 'upload', { format });
  const bound = compileIngestProfile(profile, { name: ingestion.source.name, kind: ingestion.source.kind as SourceKind }).bindHeader(sniff.header);
  if (!bound.ok) throw ingestionStateError(bound.message);

  const rawJson = rawRowWriter(sniff.header);
  const codeCounts = new Map<string, number>();
  let errors: { ingestionId: string; line: number; column: string; reason: string; value: string | null }[] = [];
  let total = 0;
  let valid = 0;
  let invalid = 0;
  let bytes = 0;
  let lastProgress = 0;
  const progress = async (final = false) => {
    if (errors.length) await db.ingestionError.createMany({ data: errors });
    errors = [];
    if (final || performance.now() - lastProgress > PROGRESS_EVERY_MS) {
      lastProgress = performance.now();
      await db.ingestion.update({ where: { id }, data: { rowsTotal: total, rowsValid: valid, rowsInvalid: invalid, bytesProcessed: BigInt(bytes) } });
    }
  };
  const sink = await openRecordSink(db, { sourceId: ingestion.sourceId, ingestionId: id, profileVersionId: versionId, fileSha256: ingestion.fileSha256 }, options);
  try {
    for await (const row of readRows(stagedPath, sniff.format, { onBytes: (b) => (bytes = b) })) {
      total++;
      const result = bound.fromFields(row.fields, row.line);
      if (!result.ok) {
        invalid++;
        if (invalid <= MAX_STORED_ERRORS) {
          const col = sniff.header.indexOf(result.error.column);
          errors.push({ ingestionId: id, line: result.error.line, column: result.error.column, reason: result.error.reason, value: col >= 0 ? (row.fields[col] ?? null)?.slice(0, 500) ?? null : null });
        }
      } else {
        valid++;
        const r = result.record;
        if (r.code) codeCounts.set(r.code, (codeCounts.get(r.code) ?? 0) + 1);
        const wait = sink.add(r, rawJson(row.fields));
        if (wait) await wait;
      }
      if (total % BATCH_SIZE === 0 || errors.length >= BATCH_SIZE) await progress();
    }
    await sink.close();
  } catch (error) {
    await sink.abort(error instanceof Error ? error : undefined);
    throw error;
  }
  bytes = Number(ingestion.bytesTotal);
  await progress(true);
  return { total, valid, invalid, codeCounts: [...codeCounts] };
}

