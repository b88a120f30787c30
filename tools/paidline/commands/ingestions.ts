/** upload, ingestion show | errors | decide. */
import { randomUUID } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { bool, int, oneOf, str, UsageError } from '../args';
import type { Ingestion, IngestionErrors, Started, Upload } from '../api-types';
import { CliError, type Client } from '../client';
import { Names, type Command, type Ctx } from '../context';
import { EXIT } from '../exit-codes';
import { bytes, fields, pipeBody, printJson, progress, table, type Io } from '../output';
import { readProfileFile } from './sources';

const ON_INVALID = ['ask', 'abort', 'valid_only'] as const;
/** Statuses an upload stays in while it is read. */
const WORKING = new Set(['processing']);

export function describeIngestion(i: Ingestion): string {
  return fields([
    ['Ingestion', i.id],
    ['Source', `${i.source.name} (${i.source.id})`],
    ['File', `${i.fileName ?? ''}${i.fileSize ? ` (${bytes(i.fileSize)})` : ''}`],
    ['Status', i.status],
    ['Rows', `${i.rowsTotal} read, ${i.rowsValid} valid, ${i.rowsInvalid} refused`],
    ['Profile', i.version === null ? '' : `v${i.version}`],
    ['Message', i.message ?? ''],
    ['Created', i.createdAt],
    ['Finished', i.finishedAt ?? ''],
    ...(i.duplicateOfId ? ([['Duplicate of', i.duplicateOfId]] as const) : []),
    ...i.drift.map((d) => [`Drift (${d.severity})`, d.message] as const),
  ]);
}

function progressText(i: Ingestion): string {
  const total = i.bytesTotal || i.fileSize;
  const pct = total ? ` (${Math.floor((100 * i.bytesProcessed) / total)}%)` : '';
  return `${i.source.name}: ${i.status}, ${bytes(i.bytesProcessed)} of ${bytes(total)}${pct}, ${i.rowsTotal} rows read, ${i.rowsInvalid} refused`;
}

/** Polls an upload until it leaves `processing` (and `staged`, when it was just started). */
export async function waitForIngestion(client: Client, io: Io, id: string, opts: { timeoutMs: number; startedNow: boolean; sleep?: (ms: number) => Promise<void> }): Promise<Ingestion> {
  const bar = progress(io);
  const deadline = Date.now() + opts.timeoutMs;
  const pause = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let delay = 300;
  try {
    for (;;) {
      const i = await client.get<Ingestion>(`/ingestions/${encodeURIComponent(id)}`);
      bar.update(progressText(i));
      if (!WORKING.has(i.status) && !(opts.startedNow && i.status === 'staged')) return i;
      if (Date.now() > deadline) throw new CliError(`Ingestion ${id} is still ${i.status} after ${Math.round(opts.timeoutMs / 1000)} s; paidline ingestion show ${id} follows it.`, EXIT.failed);
      await pause(delay);
      delay = Math.min(delay * 1.5, 2000);
    }
  } finally {
    bar.done();
  }
}

/** What the CLI says about an upload's final state, and its exit code. */
export function outcomeOf(i: Ingestion): { code: number; message: string } {
  switch (i.status) {
    case 'committed':
      return { code: EXIT.ok, message: `Committed: ${i.rowsValid} rows of ${i.fileName ?? 'the file'} into ${i.source.name}${i.version !== null ? ` with profile v${i.version}` : ''}${i.rowsInvalid ? ` (${i.rowsInvalid} refused rows left out)` : ''}.` };
    case 'duplicate':
      return { code: EXIT.ok, message: `Nothing to do: this file was already committed for ${i.source.name}${i.duplicateOfId ? ` (ingestion ${i.duplicateOfId})` : ''}.` };
    case 'needs_decision':
      return {
        code: EXIT.failed,
        message: `${i.rowsInvalid} of ${i.rowsTotal} rows were refused; the upload waits for a decision. See them: paidline ingestion errors ${i.id}; then: paidline ingestion decide ${i.id} commit|abort (commit keeps the ${i.rowsValid} valid rows).`,
      };
    case 'staged':
      return { code: EXIT.failed, message: `Staged, not ingested: paidline upload again with --idempotency-key to map it, or paidline ingestion decide ${i.id} abort.` };
    default:
      return { code: EXIT.failed, message: `The upload is ${i.status}${i.message ? `: ${i.message}` : '.'}` };
  }
}

async function mapping(ctx: Ctx, hasProfile: boolean): Promise<{ use: 'current' | 'suggestion' } | { profile: Record<string, unknown>; presetId?: string | null }> {
  const map = str(ctx.values, 'map') ?? (hasProfile ? 'current' : 'suggestion');
  if (map === 'current' || map === 'suggestion') return { use: map };
  const { profile, presetId } = readProfileFile(map);
  return { profile, ...(presetId !== undefined ? { presetId } : {}) };
}

export const upload: Command = {
  name: 'upload',
  summary: 'Upload an export to a source (streamed), map it and ingest it',
  usage: '--source <id|name> <file> [--wait] [--map current|suggestion|<profile.json>] [--on-invalid ask|abort|valid_only] [--idempotency-key <key>]',
  positionals: { min: 1, max: 1, names: '<file>' },
  options: {
    source: { type: 'string', description: 'The source it is an export of', value: 'id|name' },
    wait: { type: 'boolean', description: 'Wait until it is ingested, with progress on stderr; exit 0 only when committed' },
    map: { type: 'string', description: 'current (the source\'s profile; the default when it has one), suggestion (Paidline\'s suggested mapping; the default for a first upload), or a profile JSON file', value: 'how' },
    'on-invalid': { type: 'string', description: 'Rows that fail validation: ask (wait for paidline ingestion decide; the default), abort, valid_only', value: 'what' },
    'idempotency-key': { type: 'string', description: 'Reuse the key printed by an earlier attempt to retry it safely (default: a new one)', value: 'key' },
    timeout: { type: 'string', description: 'With --wait: give up after this many seconds (default 3600)', value: 'seconds' },
  },
  details:
    'The file is streamed (never read into memory). Every upload carries an Idempotency-Key (printed on stderr): a dropped\n' +
    'connection, a 5xx or a 429 is retried up to 3 times with the same key, so the server stages the file once.\n' +
    'A file already committed for the source is reported as a duplicate and exits 0.',
  async run(ctx) {
    const { client, io, values, positionals, json } = ctx;
    const file = positionals[0]!;
    const sourceRef = str(values, 'source');
    if (!sourceRef) throw new UsageError('--source is required: the source this file is an export of.');
    const onInvalid = oneOf(str(values, 'on-invalid'), ON_INVALID, '--on-invalid') ?? 'ask';
    const timeoutMs = (int(str(values, 'timeout'), '--timeout', { min: 1 }) ?? 3600) * 1000;
    let size: number;
    try {
      const st = statSync(file);
      if (!st.isFile()) throw new UsageError(`${file} is not a file.`);
      size = st.size;
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new UsageError(`Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`);
    }
    const source = await new Names(client).source(sourceRef);
    // Read the profile file before sending anything: a typo should not leave a staged upload behind.
    const start = { ...(await mapping(ctx, source.profileVersion !== null)), onInvalid };
    const key = str(values, 'idempotency-key') ?? randomUUID();
    io.stderr.write(`Uploading ${basename(file)} (${bytes(size)}) to ${source.name}; Idempotency-Key: ${key}\n`);
    const res = await client.raw('POST', `/sources/${encodeURIComponent(source.id)}/uploads`, {
      idempotencyKey: key,
      body: () => ({
        stream: Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>,
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(size), 'x-file-name': encodeURIComponent(basename(file)) },
      }),
      onRetry: ({ attempt, waitMs, reason }) => io.stderr.write(`Upload attempt ${attempt} failed (${reason}); retrying in ${Math.round(waitMs / 100) / 10} s with the same Idempotency-Key ${key}\n`),
    });
    const uploaded = (await res.json()) as Upload;
    const replayed = res.headers.get('idempotent-replayed') === 'true';
    const id = uploaded.staged.ingestionId;
    if (uploaded.staged.duplicateOf) {
      const d = uploaded.staged.duplicateOf;
      io.stderr.write(`Duplicate: this file (sha256 ${uploaded.staged.sha256.slice(0, 12)}…) was already committed for ${source.name} on ${d.createdAt.slice(0, 10)} as ingestion ${d.id} (${d.rowsValid} rows${d.fileName ? `, ${d.fileName}` : ''}). Nothing was ingested again.\n`);
      if (json) printJson(io, { duplicate: true, ...uploaded });
      else io.stdout.write(`${d.id}\n`);
      return EXIT.ok;
    }
    // A replayed answer (the same key again) may be for an upload already started: start only a staged one.
    const before = replayed ? await client.get<Ingestion>(`/ingestions/${encodeURIComponent(id)}`) : null;
    let started: Started | null = null;
    if (!before || before.status === 'staged') {
      started = await client.send<Started>('POST', `/ingestions/${encodeURIComponent(id)}/start`, start);
      if (started.status === 'blocked') {
        io.stderr.write(`Blocked: ${started.message ?? 'the file does not fit the profile.'}\n`);
        for (const f of started.findings ?? []) io.stderr.write(`  - ${String((f as { message?: unknown }).message ?? JSON.stringify(f))}\n`);
        io.stderr.write(`Fix the profile (paidline sources profile ${JSON.stringify(source.name)} --file profile.json) or map this upload with --map, then upload again; or cancel it: paidline ingestion decide ${id} abort\n`);
        if (json) printJson(io, { ingestionId: id, ...started });
        return EXIT.failed;
      }
      for (const w of started.warnings ?? []) io.stderr.write(`Warning: ${String((w as { message?: unknown }).message ?? JSON.stringify(w))}\n`);
      io.stderr.write(`Ingesting ${id} with ${'use' in start ? (start.use === 'current' ? 'the current profile' : 'the suggested mapping') : 'the profile from the file'}${started.version ? ` (profile v${started.version})` : ''}.\n`);
    } else {
      io.stderr.write(`This key already uploaded ingestion ${id} (${before.status}).\n`);
    }
    if (!bool(values, 'wait')) {
      if (json) printJson(io, { ingestionId: id, staged: uploaded.staged, started });
      else io.stdout.write(`${id}\n`);
      io.stderr.write(`Follow it: paidline ingestion show ${id}\n`);
      return EXIT.ok;
    }
    const final = await waitForIngestion(client, io, id, { timeoutMs, startedNow: started !== null });
    const { code, message } = outcomeOf(final);
    io.stderr.write(`${message}\n`);
    if (json) printJson(io, final);
    else io.stdout.write(describeIngestion(final));
    return code;
  },
};

export const ingestionShow: Command = {
  name: 'ingestion show',
  aliases: ['ingestions show'],
  summary: "An upload's state, progress, row counts and drift findings",
  usage: '<id> [--wait]',
  positionals: { min: 1, max: 1, names: '<id>' },
  options: { wait: { type: 'boolean', description: 'Wait while it is being read; the exit code then says how it ended' } },
  async run({ client, io, positionals, values, json }) {
    const id = positionals[0]!;
    const i = bool(values, 'wait') ? await waitForIngestion(client, io, id, { timeoutMs: 3600_000, startedNow: false }) : await client.get<Ingestion>(`/ingestions/${encodeURIComponent(id)}`);
    if (json) printJson(io, i);
    else io.stdout.write(describeIngestion(i));
    return bool(values, 'wait') ? outcomeOf(i).code : EXIT.ok;
  },
};

export const ingestionErrors: Command = {
  name: 'ingestion errors',
  aliases: ['ingestions errors'],
  summary: "An upload's refused rows: line, column, reason, value",
  usage: '<id> [--format table|json|csv] [--limit N] [--all]',
  positionals: { min: 1, max: 1, names: '<id>' },
  options: {
    format: { type: 'string', description: 'table (default), json, or csv (every row, streamed)', value: 'format' },
    limit: { type: 'string', description: 'At most this many rows (default 100)', value: 'N' },
    all: { type: 'boolean', description: 'Every row' },
  },
  async run({ client, io, positionals, values, json }) {
    const id = encodeURIComponent(positionals[0]!);
    const format = oneOf(str(values, 'format'), ['table', 'json', 'csv'] as const, '--format') ?? (json ? 'json' : 'table');
    if (format === 'csv') return pipeBody(io, await client.raw('GET', `/ingestions/${id}/errors`, { query: { format: 'csv' }, accept: 'text/csv' }));
    const limit = bool(values, 'all') ? Infinity : (int(str(values, 'limit'), '--limit', { min: 1 }) ?? 100);
    const items: IngestionErrors['items'] = [];
    let cursor: string | null = null;
    do {
      const page: IngestionErrors = await client.get<IngestionErrors>(`/ingestions/${id}/errors`, { cursor, limit: Math.min(500, limit - items.length) });
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor && items.length < limit);
    if (format === 'json') return printJson(io, { items, nextCursor: cursor });
    if (!items.length) return void io.stderr.write('No refused rows.\n');
    io.stdout.write(table(items, ['line', 'column', 'reason', 'value']));
    if (cursor) io.stderr.write(`More rows: --all, or --format csv for every one.\n`);
  },
};

export const ingestionDecide: Command = {
  name: 'ingestion decide',
  aliases: ['ingestions decide'],
  summary: 'Commit the valid rows of an upload with refused rows, or abort it (a staged upload is cancelled)',
  usage: '<id> commit|abort [--wait]',
  positionals: { min: 2, max: 2, names: '<id> commit|abort' },
  options: { wait: { type: 'boolean', description: 'After commit: wait until the rows are in' } },
  async run({ client, io, positionals, values, json }) {
    const [id, decisionText] = positionals as [string, string];
    const decision = oneOf(decisionText, ['commit', 'abort'] as const, 'The decision')!;
    await client.send('POST', `/ingestions/${encodeURIComponent(id)}/decision`, { decision });
    if (!bool(values, 'wait')) {
      if (json) printJson(io, { ok: true, decision });
      else io.stdout.write(decision === 'commit' ? `Committing the valid rows of ${id}.\n` : `Aborted ${id}.\n`);
      return EXIT.ok;
    }
    const i = await waitForIngestion(client, io, id, { timeoutMs: 3600_000, startedNow: false });
    if (json) printJson(io, i);
    else io.stdout.write(describeIngestion(i));
    return decision === 'abort' ? (i.status === 'aborted' ? EXIT.ok : EXIT.failed) : outcomeOf(i).code;
  },
};

export const ingestionCommands = [upload, ingestionShow, ingestionErrors, ingestionDecide];
