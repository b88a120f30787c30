/**
 * Where an ingestion's rows are parsed, validated and written. A large file is read in a process of
 * its own (scripts/ingest-records.ts): parsing and validating a million rows is seconds of CPU that
 * would otherwise hold the web server's event loop (on SQLite every write, too, is a synchronous call),
 * and its memory stays out of the server's. A small file is read in place: starting a process costs
 * more than reading it.
 *
 * PAIDLINE_INGEST_PROCESS: auto (default: a process of its own from PAIDLINE_INGEST_PROCESS_BYTES,
 * 4 MiB), child (always), inline (never).
 */
import { resolveDatabaseUrl } from '@/lib/server/db/config';
import { clientTarget, type DbClient as Client } from '@/lib/server/db/client';
import { runScript } from '@/lib/server/core/script-process';
import { YOUNG_GENERATION_FLAG } from '@/lib/server/core/heap';
import { restoreDeferredIndexes } from '@/lib/server/db/deferred-indexes';
import { loggerFor } from '@/lib/server/observability/logger';
import { writeIngestionRecords, type WrittenRecords } from './write-records';

const DEFAULT_CHILD_BYTES = 4 * 1024 * 1024;

export function ingestPlacement(bytes: number, setting = process.env.PAIDLINE_INGEST_PROCESS?.trim() || 'auto'): 'child' | 'inline' {
  if (setting === 'child' || setting === 'inline') return setting;
  if (setting !== 'auto') throw new Error(`PAIDLINE_INGEST_PROCESS="${setting}" is not one of auto, child, inline.`);
  const threshold = Number(process.env.PAIDLINE_INGEST_PROCESS_BYTES ?? DEFAULT_CHILD_BYTES);
  return bytes >= threshold ? 'child' : 'inline';
}

/** Writes the ingestion's records where ingestPlacement says; the child opens the same database as `db`. */
export async function writeRecordsPlaced(id: string, db: Client, bytes: number): Promise<WrittenRecords> {
  if (ingestPlacement(bytes) === 'inline') return writeIngestionRecords(id, db);
  const { url } = clientTarget(db as object);
  try {
    return await writeRecordsInChild(id, url || resolveDatabaseUrl());
  } catch (error) {
    // A process that died while the record key index was set aside (write-records.ts) could not build it again.
    await restoreDeferredIndexes(db, 'SourceRecord').catch((why: unknown) => loggerFor('ingestion').error({ err: why }, 'could not build the record index set aside by a failed upload'));
    throw error;
  }
}

/** scripts/ingest-records.ts with the ingestion's id; stdin stays open so the process stops with this one. */
export function writeRecordsInChild(ingestionId: string, url: string): Promise<WrittenRecords> {
  return runScript<WrittenRecords>('ingest-records.ts', { ingestionId }, { DATABASE_URL: url }, { holdStdin: true, nodeFlags: [YOUNG_GENERATION_FLAG], describe: (why) => why });
}
