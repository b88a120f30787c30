/**
 * Child process of the "ingest" bench section: ingests one CSV through the app's
 * real path (stream to disk + hash, preview, profile, batched inserts, commit)
 * into a fresh database and prints {rows, ms} as JSON. Peak RSS is recorded by
 * bench/rss-probe.cjs.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { createPrismaClient } from '@/lib/server/db/client';
import { migrateDatabase } from '@/lib/server/db/migrate';
import { createSource } from '@/lib/features/ingestion/sources';
import { getIngestion } from '@/lib/features/ingestion/ingestion-queries';
import { previewIngestion } from '@/lib/features/ingestion/preview-ingestion';
import { stageUpload } from '@/lib/features/ingestion/stage-upload';
import { startIngestion } from '@/lib/features/ingestion/process-ingestion';
import { closeBulkWriters } from '@/lib/server/db/record-insert';

async function main() {
  const [url, file] = process.argv.slice(2);
  if (!url || !file) throw new Error('usage: ingest-child <database-url> <csv>');
  await migrateDatabase(url);
  const db = createPrismaClient(url);
  const started = performance.now();
  const source = await createSource({ name: 'Bench gateway', kind: 'gateway' }, { actor: null, db });
  const staged = await stageUpload({
    sourceId: source.id,
    fileName: 'bench.csv',
    body: Readable.toWeb(createReadStream(file)) as unknown as ReadableStream<Uint8Array>,
    actor: null,
    db,
  });
  const preview = await previewIngestion(staged.ingestionId, { db });
  await startIngestion(staged.ingestionId, { profile: preview.suggestion.profile, onInvalid: 'abort', actor: null, db, wait: true });
  const ms = performance.now() - started;
  const result = await getIngestion(staged.ingestionId, db);
  await db.$disconnect();
  await closeBulkWriters();
  if (result?.status !== 'committed') throw new Error(`ingestion ended ${result?.status}: ${result?.message}`);
  process.stdout.write(`${JSON.stringify({ rows: result.rowsValid, ms: Math.round(ms) })}\n`);
}

main().catch((e: unknown) => {
  console.error((e as Error)?.stack ?? e);
  process.exit(1);
});
