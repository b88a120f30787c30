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
import { spawn } from 'node:child_process';
import path from 'node:path';
import { resolveDatabaseUrl } from '@/lib/server/db/config';
import { clientTarget, type DbClient as Client } from '@/lib/server/db/client';
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
  return writeRecordsInChild(id, url || resolveDatabaseUrl());
}

/** `node --import tsx scripts/ingest-records.ts`, the ingestion id as a line on stdin, one RESULT line back. */
export function writeRecordsInChild(ingestionId: string, url: string): Promise<WrittenRecords> {
  const root = process.env.PAIDLINE_ROOT?.trim() || process.cwd();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/ingest-records.ts')], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: url, NODE_ENV: process.env.NODE_ENV ?? 'production' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-8000)));
    child.on('error', reject);
    child.on('close', (code) => {
      child.stdin.destroy();
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (code === 0 && line) return resolve(JSON.parse(line.slice(7)) as WrittenRecords);
      const error = stdout.split('\n').find((l) => l.startsWith('ERROR '));
      const why = error ? (JSON.parse(error.slice(6)) as string) : stderr.trim().split('\n').slice(-1)[0] || `exit code ${code}`;
      reject(new Error(why));
    });
    // The request is one line; stdin then stays open: the child stops the moment it closes, so a server
    // killed mid-ingestion leaves no process writing behind it (start-up recovery rolls the ingestion back).
    child.stdin.on('error', () => {});
    child.stdin.write(`${JSON.stringify({ ingestionId })}\n`);
  });
}
