/**
 * One ingestion's rows read, validated and written in a process of its own
 * (lib/features/ingestion/ingest-placement.ts starts it for a large file). Reads {"ingestionId"} as
 * one line on stdin, prints "RESULT {...}" (the counts) on stdout and exits 0; on failure prints
 * "ERROR <message as JSON>", the stack to stderr, and exits 1 (the parent abandons the ingestion).
 * When stdin closes before it is done (the server that started it died), it exits at once: on
 * PostgreSQL its COPY is then never committed, on SQLite start-up recovery deletes its batches.
 */
import { writeIngestionRecords } from '../lib/features/ingestion/write-records';
import { clientTarget, getPrisma } from '../lib/server/db/client';
import { closeBulkWriters } from '../lib/server/db/record-insert';
import { readScriptRequest, runScriptMain } from '../lib/server/core/script-process';

runScriptMain(async () => {
  // The parent keeps stdin open while it waits: its end means the parent is gone.
  const { ingestionId } = await readScriptRequest<{ ingestionId: string }>({ exitWhenOrphaned: true });
  // Nothing is made durable once the parent is gone (checked synchronously before each commit: the
  // event loop may be busy when stdin's end arrives).
  const parent = process.ppid;
  const beforeCommit = () => {
    if (process.ppid !== parent) throw new Error('The server that started this ingestion stopped.');
  };
  // On SQLite the rows are read and checked on the other core while this thread writes (its writes are
  // synchronous calls): 1M rows in 27.1 s instead of 33.4 (median of three alternating runs); on
  // PostgreSQL the server takes the other core and a worker gained nothing.
  const db = getPrisma();
  const result = await writeIngestionRecords(ingestionId, db, { beforeCommit, checkInWorker: clientTarget(db).kind === 'sqlite' });
  await closeBulkWriters();
  await getPrisma().$disconnect();
  return result;
});
