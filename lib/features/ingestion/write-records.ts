import { clientTarget, type DbClient as Client } from '@/lib/server/db/client';
import { compileIngestProfile, type IngestProfile, type SourceKind } from '@/lib/features/ingestion/profile';
import { sniffFile } from '@/lib/features/ingestion/parse';
import { checkedRows, checkedRowsInWorker, type CheckJob } from './checked-rows';
import { openRecordSink, type SinkOptions } from '@/lib/server/db/record-sink';
import { loadIngestion } from './ingestion-state';
import { ingestionStateError } from './upload-limits';
import { currentProfileVersion } from './sources';
import { deferIndexes, holdsAtMost, restoreDeferredIndexes } from '@/lib/server/db/deferred-indexes';
import { loggerFor } from '@/lib/server/observability/logger';

/** Stored invalid rows at most; refused rows and progress are written every BATCH_SIZE rows (progress at most every PROGRESS_EVERY_MS). */
const BATCH_SIZE = 5000;
const PROGRESS_EVERY_MS = 300;
const MAX_STORED_ERRORS = 10_000;

export { rawRowWriter } from './checked-rows';

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

/** The record index a large upload sets aside while it writes (the one its rows land in at random places). */
const KEY_INDEX = 'SourceRecord_sourceId_key_idx';
/** Files from this size on set it aside (a 1M-row bank export is 41 MiB; 64 bytes a row, 65,536 rows). */
const DEFER_MIN_BYTES = 4 << 20;
/** Rows a file holds at most per byte, estimated low: a row of a real export is 40-400 bytes. */
const BYTES_PER_ROW = 64;
/** Set aside only while the table holds at most this many times the file's rows: the build sorts them all. */
const DEFER_MAX_EXISTING_RATIO = 4;

/**
 * Sets the records' (sourceId, key) index aside for a large file on SQLite, to be built again once when its rows
 * are in (restoreDeferredIndexes). A file's rows land at random places in that index (its keys in
 * no order relative to the rows already stored), and each batch's commit wrote again every index page
 * it touched: 1M rows of a bank export in random key order took 16.8-20.1 s to insert with the index,
 * 10.6-12.8 s without it including its build afterwards (a libsql script writing as the sink does, 64
 * MiB cache, the 2-core machine). The other two indexes take a file's rows in order (one ingestion id;
 * a few statuses) and stay. Meanwhile a query by key still answers, by a scan.
 */
async function deferKeyIndex(db: Client, fileBytes: number): Promise<string[]> {
  // PostgreSQL's COPY keeps pace with the index (1M bank rows: 24.0 s median with it, 25.7 s set
  // aside, alternating runs), and there its DROP and build would lock the table: SQLite only.
  if (fileBytes < DEFER_MIN_BYTES || clientTarget(db).kind !== 'sqlite') return [];
  if (!(await holdsAtMost(db, 'SourceRecord', Math.floor(fileBytes / BYTES_PER_ROW) * DEFER_MAX_EXISTING_RATIO))) return [];
  try {
    return await deferIndexes(db, 'SourceRecord', { only: [KEY_INDEX] });
  } catch (error) {
    loggerFor('ingestion').warn({ err: error }, 'the record index could not be set aside; the upload writes through it');
    return [];
  }
}

/**
 * Reads the staged file of a processing ingestion row by row, validates each row with its profile
 * and streams the valid ones into SourceRecord (lib/server/db/record-sink.ts), the invalid ones into
 * IngestionError, with progress on the ingestion row. Never holds the file. Runs in the web
 * server's process for a small file, in a process of its own for a large one (./ingest-placement.ts).
 */
export async function writeIngestionRecords(id: string, db: Client, options: SinkOptions & { checkInWorker?: boolean } = {}): Promise<WrittenRecords> {
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

  const codeCounts = new Map<string, number>();
  let errors: { ingestionId: string; line: number; column: string; reason: string; value: string | null }[] = [];
  let total = 0;
  let valid = 0;
  let invalid = 0;
  let bytes = 0;
  let lastProgress = 0;
  let reported = 0;
  const progress = async (final = false) => {
    if (errors.length) await db.ingestionError.createMany({ data: errors });
    errors = [];
    reported = total;
    if (final || performance.now() - lastProgress > PROGRESS_EVERY_MS) {
      lastProgress = performance.now();
      await db.ingestion.update({ where: { id }, data: { rowsTotal: total, rowsValid: valid, rowsInvalid: invalid, bytesProcessed: BigInt(bytes) } });
    }
  };
  const job: CheckJob = { stagedPath, format: sniff.format, header: sniff.header, profile, source: { name: ingestion.source.name, kind: ingestion.source.kind as SourceKind } };
  const deferred = await deferKeyIndex(db, Number(ingestion.bytesTotal));
  try {
    const sink = await openRecordSink(db, { sourceId: ingestion.sourceId, ingestionId: id, profileVersionId: versionId, fileSha256: ingestion.fileSha256 }, options);
    try {
      for await (const batch of options.checkInWorker ? checkedRowsInWorker(job) : checkedRows(job)) {
        total = batch.total;
        bytes = batch.bytes;
        for (const e of batch.refused) {
          invalid++;
          if (invalid <= MAX_STORED_ERRORS) errors.push({ ingestionId: id, ...e });
        }
        const { records, raws } = batch;
        for (let i = 0; i < records.length; i++) {
          const r = records[i]!;
          valid++;
          if (r.code) codeCounts.set(r.code, (codeCounts.get(r.code) ?? 0) + 1);
          const wait = sink.add(r, raws[i]!);
          if (wait) await wait;
        }
        if (total - reported >= BATCH_SIZE || errors.length >= BATCH_SIZE) await progress();
      }
      await sink.close();
    } catch (error) {
      await sink.abort(error instanceof Error ? error : undefined);
      throw error;
    }
  } finally {
    // Built again before the ingestion commits, and when it failed (an interrupted process: before the next migration).
    if (deferred.length) await restoreDeferredIndexes(db, 'SourceRecord');
  }
  bytes = Number(ingestion.bytesTotal);
  await progress(true);
  return { total, valid, invalid, codeCounts: [...codeCounts] };
}

