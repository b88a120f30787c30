/**
 * One ingestion's rows read, validated and written in a process of its own
 * (lib/features/ingestion/ingest-placement.ts starts it for a large file). Reads {"ingestionId"} as
 * one line on stdin, prints "RESULT {...}" (the counts) on stdout and exits 0; on failure prints
 * "ERROR <message as JSON>", the stack to stderr, and exits 1 (the parent abandons the ingestion).
 * When stdin closes before it is done (the server that started it died), it exits at once: on
 * PostgreSQL its COPY is then never committed, on SQLite start-up recovery deletes its batches.
 */
import { writeIngestionRecords } from '../lib/features/ingestion/write-records';
import { getPrisma } from '../lib/server/db/client';
import { closeBulkWriters } from '../lib/server/db/record-insert';

async function main() {
  const line = await new Promise<string>((resolve, reject) => {
    let text = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (d: string) => {
      text += d;
      const end = text.indexOf('\n');
      if (end >= 0) resolve(text.slice(0, end));
    });
    process.stdin.on('end', () => reject(new Error('no request on stdin')));
  });
  // The parent keeps stdin open while it waits: its end means the parent is gone.
  process.stdin.on('end', () => process.exit(1));
  process.stdin.on('close', () => process.exit(1));
  const { ingestionId } = JSON.parse(line) as { ingestionId: string };
  // Nothing is made durable once the parent is gone (checked synchronously before each commit: the
  // event loop may be busy when stdin's end arrives).
  const parent = process.ppid;
  const beforeCommit = () => {
    if (process.ppid !== parent) throw new Error('The server that started this ingestion stopped.');
  };
  const result = await writeIngestionRecords(ingestionId, getPrisma(), { beforeCommit });
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  await closeBulkWriters();
  await getPrisma().$disconnect();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stdout.write(`ERROR ${JSON.stringify(message.replace(/\s+/g, ' ').trim())}\n`);
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
