/**
 * An upload's rows read and checked: the staged file parsed, each row mapped by its profile and
 * validated, in batches of valid records (with their raw rows as JSON) and refused rows (with line,
 * column and reason). In the caller's thread, or in a worker thread of its own (checkedRowsInWorker)
 * while the caller writes: on SQLite, whose writes are synchronous calls in the writing thread, the
 * parsing then runs on the second core instead of between the writes.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { compileIngestProfile, type IngestProfile, type IngestRecord, type SourceKind } from './profile';
import { readRows, type ResolvedFormat } from './parse';

/** Everything the reading needs, plain data (it crosses to a worker thread). */
export type CheckJob = { stagedPath: string; format: ResolvedFormat; header: string[]; profile: IngestProfile; source: { name: string; kind: SourceKind } };
export type RefusedRow = { line: number; column: string; reason: string; value: string | null };
/** A batch: the rows read so far (`total`) and file bytes read, the valid records with their raw rows, the refused rows. */
export type CheckedBatch = { total: number; bytes: number; records: IngestRecord[]; raws: string[]; refused: RefusedRow[] };

/** Rows a batch holds. */
const BATCH_ROWS = 2000;
/** Batches a worker may have sent that the writer has not taken yet (its memory: a few MiB). */
const IN_FLIGHT = 4;

/** What JSON.stringify would escape in a string: quote, backslash, control characters, lone surrogates. */
const NEEDS_JSON_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * The raw row as JSON ({"header": "cell", ...}), built from the header's names escaped once rather
 * than an object per row (the same text JSON.stringify gives for an object of those keys). A header
 * that names a column twice keeps the object form: its last cell wins, as before.
 */
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

/** The job's rows, checked, batch by batch, in this thread. */
export async function* checkedRows(job: CheckJob): AsyncGenerator<CheckedBatch> {
  const bound = compileIngestProfile(job.profile, job.source).bindHeader(job.header);
  if (!bound.ok) throw new Error(bound.message);
  const rawJson = rawRowWriter(job.header);
  let bytes = 0;
  let batch: CheckedBatch = { total: 0, bytes: 0, records: [], raws: [], refused: [] };
  let total = 0;
  for await (const row of readRows(job.stagedPath, job.format, { onBytes: (b) => (bytes = b) })) {
    total++;
    const result = bound.fromFields(row.fields, row.line);
    if (result.ok) {
      batch.records.push(result.record);
      batch.raws.push(rawJson(row.fields));
    } else {
      const col = job.header.indexOf(result.error.column);
      batch.refused.push({ ...result.error, value: col >= 0 ? (row.fields[col] ?? null)?.slice(0, 500) ?? null : null });
    }
    if (total % BATCH_ROWS === 0) {
      yield { ...batch, total, bytes };
      batch = { total: 0, bytes: 0, records: [], raws: [], refused: [] };
    }
  }
  if (batch.records.length || batch.refused.length || total % BATCH_ROWS) yield { ...batch, total, bytes };
}

type FromWorker = { batch: CheckedBatch } | { done: true } | { error: string };

/**
 * checkedRows in a worker thread (lib/features/ingestion/check-rows-worker.ts), batches handed over as
 * they come, at most IN_FLIGHT ahead of the caller. Ending early (the caller's write failed) stops
 * the worker. The worker loads the TypeScript sources through tsx, as the process does.
 */
export async function* checkedRowsInWorker(job: CheckJob): AsyncGenerator<CheckedBatch> {
  const root = process.env.PAIDLINE_ROOT?.trim() || process.cwd();
  const entry = path.join(root, 'lib', 'features', 'ingestion', 'check-rows-worker.ts');
  const tsx = createRequire(path.join(root, 'package.json')).resolve('tsx/cjs/api');
  const worker = new Worker(`require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(entry)});`, { eval: true, workerData: job });
  const queue: FromWorker[] = [];
  let wake: (() => void) | null = null;
  const push = (m: FromWorker) => {
    queue.push(m);
    wake?.();
  };
  worker.on('message', (m: FromWorker) => push(m));
  worker.on('error', (e: Error) => push({ error: e.message }));
  worker.on('exit', (code) => push(code === 0 ? { done: true } : { error: `the row reader stopped (exit code ${code})` }));
  try {
    for (;;) {
      while (!queue.length) await new Promise<void>((r) => (wake = r));
      wake = null;
      const m = queue.shift()!;
      if ('error' in m) throw new Error(m.error);
      if ('done' in m) return;
      worker.postMessage('ack');
      yield m.batch;
    }
  } finally {
    await worker.terminate();
  }
}

/** The worker's side: runs checkedRows on its workerData and posts each batch, waiting for acks to stay IN_FLIGHT ahead. */
export async function serveCheckedRows(port: { postMessage(m: FromWorker): void; on(e: 'message', f: () => void): void }, job: CheckJob): Promise<void> {
  let unacked = 0;
  let resume: (() => void) | null = null;
  port.on('message', () => {
    unacked--;
    resume?.();
  });
  try {
    for await (const batch of checkedRows(job)) {
      port.postMessage({ batch });
      unacked++;
      while (unacked >= IN_FLIGHT) await new Promise<void>((r) => (resume = r));
      resume = null;
    }
    port.postMessage({ done: true });
  } catch (error) {
    port.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
}
