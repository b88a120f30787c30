/**
 * Child process for crash-upload.test.ts: streams an upload into the real ingestion code
 * (lib/features/ingestion/ingestions.ts) against DATABASE_URL, to be killed with SIGKILL part-way.
 *   stage:   an endless, slow upload body (the server is killed while the file arrives);
 *   process: a large CSV, staged then ingested (killed while records are being written).
 */
import { previewIngestion } from '@/lib/features/ingestion/preview-ingestion';
import { stageUpload } from '@/lib/features/ingestion/stage-upload';
import { startIngestion } from '@/lib/features/ingestion/process-ingestion';

const mode = process.argv[2];
const sourceId = process.env.CRASH_SOURCE_ID!;
const encoder = new TextEncoder();

function endless(): ReadableStream<Uint8Array> {
  let line = 0;
  return new ReadableStream({
    async pull(controller) {
      await new Promise((r) => setTimeout(r, 5));
      let chunk = line === 0 ? 'TransactionID,Date,Amount,Status\n' : '';
      for (let i = 0; i < 500; i++) chunk += `TX${++line},2024-07-01,${line % 1000},Completed\n`;
      controller.enqueue(encoder.encode(chunk));
    },
  });
}

function csv(rows: number): ReadableStream<Uint8Array> {
  let line = 0;
  return new ReadableStream({
    pull(controller) {
      if (line >= rows) return controller.close();
      let chunk = line === 0 ? 'TransactionID,Date,Amount,Status\n' : '';
      for (let i = 0; i < 2000 && line < rows; i++) chunk += `TX${++line},2024-07-01,${(line % 1000) + 1},Completed\n`;
      controller.enqueue(encoder.encode(chunk));
    },
  });
}

async function main() {
  if (mode === 'stage') {
    await stageUpload({ sourceId, fileName: 'never-ends.csv', body: endless(), actor: null, maxBytes: 1024 ** 3 });
    return;
  }
  const staged = await stageUpload({ sourceId, fileName: 'big.csv', body: csv(Number(process.env.CRASH_ROWS ?? 100_000)), actor: null });
  const preview = await previewIngestion(staged.ingestionId);
  console.log(`staged ${staged.ingestionId}`);
  await startIngestion(staged.ingestionId, { profile: { ...preview.suggestion.profile, currency: 'USD' }, onInvalid: 'ask', actor: null, wait: true });
  console.log('done');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
