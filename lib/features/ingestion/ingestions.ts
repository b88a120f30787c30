import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { compileIngestProfile, type IngestProfile, type IngestProfileInput, type SourceKind } from '@/lib/features/ingestion/profile';
import { ParseError, readRows, sniffFile } from '@/lib/features/ingestion/parse';
import { suggestProfile } from '@/lib/features/ingestion/suggest';
import { presetById } from '@/lib/features/ingestion/presets';
import { detectHeaderDrift, detectStatusDrift, type DriftFinding } from '@/lib/features/ingestion/drift';
import { csvEscapeCell } from '@/lib/server/http/csv-safe';
import { getPrisma } from '@/lib/server/db/client';
import { insertRecords, toRecordRow, type RecordRow } from '@/lib/server/db/record-insert';
import { writeAudit } from '@/lib/server/db/audit';
import { alertDrift, alertIngestionFailed } from '@/lib/features/alerts/checks';
import { currentProfileVersion, ensureProfileVersion } from './sources';

type Client = ReturnType<typeof getPrisma>;
type Actor = { id: string; email: string } | null;

export const DEFAULT_MAX_UPLOAD_BYTES = 500 * 1024 * 1024;
const BATCH_SIZE = 5000;
const PROGRESS_EVERY_MS = 300;
const MAX_STORED_ERRORS = 10_000;

export function maxUploadBytes(): number {
  const configured = Number(process.env.PAIDLINE_MAX_UPLOAD_BYTES);
  return Number.isFinite(configured) && configured > 0 ? configured : DEFAULT_MAX_UPLOAD_BYTES;
}

export function uploadDir(): string {
  return path.resolve(/*turbopackIgnore: true*/ process.cwd(), process.env.PAIDLINE_UPLOAD_DIR ?? 'data/uploads');
}

/** A byte count as people read it: "500 MB", "1.5 MB", "800 KB", "900 bytes". */
export function formatByteLimit(bytes: number): string {
  const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1).replace(/\.0$/, ''));
  if (bytes >= 1024 * 1024) return `${fmt(bytes / 1024 / 1024)} MB`;
  if (bytes >= 1024) return `${fmt(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

export class UploadTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`The file is larger than the ${formatByteLimit(limit)} upload limit (${limit.toLocaleString('en-US')} bytes). Split it into smaller files, or ask an admin to raise PAIDLINE_MAX_UPLOAD_BYTES.`);
  }
}

export class EmptyUploadError extends Error {
  constructor() {
    super('The file is empty (0 bytes). Choose the export file again and upload it.');
  }
}

/** A staged file that cannot be read: the upload was refused, its file removed, the refusal audited. */
export class UploadRejectedError extends Error {}

export class IngestionStateError extends Error {}

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)$/i;
const MAX_FILE_NAME = 200;

/**
 * The name shown for an upload: only the base name (never a path from the client), without
 * control, bidirectional-override or Windows-forbidden characters, not a Windows device name
 * (CON, NUL, COM1...), at most 200 characters with the extension kept. It is only ever a
 * label: the file itself is stored under a random name in the upload folder.
 */
export function safeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  let cleaned = base
    .normalize('NFC')
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, '')
    .replace(/[<>:"|?*]/g, '_')
    .trim()
    .replace(/^\.+/, '')
    .replace(/[. ]+$/, '');
  const stem = cleaned.split('.')[0] ?? '';
  if (WINDOWS_RESERVED.test(stem.trim())) cleaned = `_${cleaned}`;
  const chars = [...cleaned];
  if (chars.length > MAX_FILE_NAME) {
    const dot = cleaned.lastIndexOf('.');
    const ext = dot > 0 && cleaned.length - dot <= 10 ? cleaned.slice(dot) : '';
    cleaned = chars.slice(0, MAX_FILE_NAME - [...ext].length).join('') + ext;
  }
  return cleaned || 'upload';
}

export type StagedUpload = {
  ingestionId: string;
  sha256: string;
  size: number;
  duplicateOf: { id: string; createdAt: Date; rowsValid: number; fileName: string | null } | null;
};

/**
 * Streams an upload to disk while hashing it (never held in memory), then records a
 * staged ingestion. A file already committed for this source (same SHA-256) is
 * recognised and marked duplicate instead.
 */
export async function stageUpload(args: {
  sourceId: string;
  fileName: string;
  body: ReadableStream<Uint8Array>;
  actor: Actor;
  maxBytes?: number;
  db?: Client;
}): Promise<StagedUpload> {
  const db = args.db ?? getPrisma();
  const limit = args.maxBytes ?? maxUploadBytes();
  const dir = uploadDir();
  await mkdir(dir, { recursive: true });
  const stagedPath = path.join(dir, `${randomUUID()}.upload`);
  const hash = createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      if (size > limit) return cb(new UploadTooLargeError(limit));
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(args.body as unknown as WebReadableStream<Uint8Array>), meter, createWriteStream(stagedPath, { mode: 0o600 }));
  } catch (error) {
    await rm(stagedPath, { force: true });
    throw error;
  }
  if (size === 0) {
    await rm(stagedPath, { force: true });
    throw new EmptyUploadError();
  }
  const sha256 = hash.digest('hex');
  const fileName = safeFileName(args.fileName);

  const previous = await db.ingestion.findFirst({
    where: { sourceId: args.sourceId, fileSha256: sha256, status: 'committed' },
    orderBy: { createdAt: 'asc' },
    select: { id: true, createdAt: true, rowsValid: true, fileName: true },
  });
  const ingestion = await db.$transaction(async (tx) => {
    const row = await tx.ingestion.create({
      data: {
        sourceId: args.sourceId,
        channel: 'upload',
        fileName,
        fileSha256: sha256,
        fileSize: BigInt(size),
        bytesTotal: BigInt(size),
        status: previous ? 'duplicate' : 'staged',
        duplicateOfId: previous?.id ?? null,
        stagedPath: previous ? null : stagedPath,
        message: previous ? `This file was already ingested on ${previous.createdAt.toISOString().slice(0, 10)} (${previous.rowsValid} rows); it is not counted twice.` : null,
        createdById: args.actor?.id ?? null,
      },
    });
    await writeAudit(tx, {
      actor: args.actor,
      action: previous ? 'ingestion.duplicate' : 'ingestion.stage',
      entityType: 'Ingestion',
      entityId: row.id,
      after: { sourceId: args.sourceId, fileName, sha256, size, duplicateOf: previous?.id ?? null },
    });
    return row;
  });
  if (previous) await rm(stagedPath, { force: true });
  return { ingestionId: ingestion.id, sha256, size, duplicateOf: previous };
}

async function loadIngestion(id: string, db: Client) {
  const ingestion = await db.ingestion.findUnique({ where: { id }, include: { source: { select: { id: true, name: true, kind: true } } } });
  if (!ingestion) throw new IngestionStateError('This upload no longer exists. Upload the file again.');
  return ingestion;
}

export type IngestionPreview = {
  ingestionId: string;
  fileName: string | null;
  format: unknown;
  sheets?: string[];
  header: string[];
  sampleRows: string[][];
  notes: string[];
  suggestion: { presetId: string | null; presetLabel: string | null; profile: IngestProfileInput; confidence: string };
  current: { version: number; profile: IngestProfile } | null;
  drift: DriftFinding[];
};

/** The first rows, a suggested mapping and, when the source has a profile, the drift against it. */
export async function previewIngestion(id: string, opts: { sheet?: string; db?: Client } = {}): Promise<IngestionPreview> {
  const db = opts.db ?? getPrisma();
  const ingestion = await loadIngestion(id, db);
  if (ingestion.status !== 'staged' || !ingestion.stagedPath) {
    throw new IngestionStateError(`This upload is ${ingestion.status}; only a staged upload can be previewed.`);
  }
  const current = await currentProfileVersion(ingestion.sourceId, db);
  const sniff = await sniffFile(ingestion.stagedPath, ingestion.fileName ?? 'upload', {
    format: opts.sheet ? { sheet: opts.sheet } : current ? { ...current.profile.format, type: undefined } : undefined,
  });
  const suggestion = suggestProfile(sniff.header, sniff.sampleRows, { kind: ingestion.source.kind as SourceKind });
  const drift = current ? detectHeaderDrift(current.profile, sniff.header, sniff.sampleRows) : [];
  return {
    ingestionId: id,
    fileName: ingestion.fileName,
    format: sniff.format,
    sheets: sniff.sheets,
    header: sniff.header,
    sampleRows: sniff.sampleRows,
    notes: sniff.notes,
    suggestion: { ...suggestion, presetLabel: suggestion.presetId ? (presetById(suggestion.presetId)?.label ?? null) : null },
    current: current ? { version: current.version, profile: current.profile } : null,
    drift,
  };
}

/**
 * The preview of a fresh upload; when the file cannot be read at all (binary, zip bomb,
 * unbalanced quote, nested too deep...) the upload is refused at once: marked failed with the
 * reason, its staged file removed and the refusal audited, so nothing is left half-open.
 */
export async function previewOrReject(id: string, opts: { sheet?: string; actor: Actor; db?: Client }): Promise<IngestionPreview> {
  const db = opts.db ?? getPrisma();
  try {
    return await previewIngestion(id, { sheet: opts.sheet, db });
  } catch (error) {
    if (error instanceof IngestionStateError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    if (!(error instanceof ParseError)) console.error(`Upload ${id} could not be read:`, reason);
    const message = `The file could not be read: ${reason}`;
    await abandon(id, 'failed', message, db, opts.actor);
    throw new UploadRejectedError(message);
  }
}

export type OnInvalid = 'ask' | 'abort' | 'valid_only';

async function recordDrift(db: Client, ingestion: { id: string; sourceId: string }, profileVersionId: string, findings: DriftFinding[]) {
  if (!findings.length) return;
  await db.$transaction(async (tx) => {
    await tx.driftEvent.createMany({
      data: findings.map((f) => ({
        sourceId: ingestion.sourceId,
        ingestionId: ingestion.id,
        profileVersionId,
        kind: f.kind,
        severity: f.severity,
        message: f.message,
        detail: JSON.stringify(f.detail),
      })),
    });
    // The schema-drift alert commits with the drift events (outbox).
    await alertDrift(tx, ingestion, findings);
  });
}

export type StartResult = { status: 'processing'; version: number; warnings: DriftFinding[] } | { status: 'blocked'; message: string; findings: DriftFinding[] };

/**
 * Fixes the profile (a new version when the mapping changed), checks the header for
 * drift and, unless blocked, processes the file in the background.
 */
export async function startIngestion(
  id: string,
  args: { profile: IngestProfileInput; presetId?: string | null; onInvalid: OnInvalid; actor: Actor; db?: Client; wait?: boolean },
): Promise<StartResult> {
  const db = args.db ?? getPrisma();
  const ingestion = await loadIngestion(id, db);
  if (ingestion.status !== 'staged' || !ingestion.stagedPath) {
    throw new IngestionStateError(`This upload is ${ingestion.status}; it cannot be ingested again.`);
  }
  const version = await ensureProfileVersion(ingestion.sourceId, args.profile, { actor: args.actor, presetId: args.presetId, db });
  const current = await currentProfileVersion(ingestion.sourceId, db);
  const profile = current!.profile;
  let sniff: Awaited<ReturnType<typeof sniffFile>>;
  try {
    sniff = await sniffFile(ingestion.stagedPath, ingestion.fileName ?? 'upload', { format: profile.format });
  } catch (error) {
    if (!(error instanceof ParseError)) throw error;
    const message = `The file could not be read: ${error.message}`;
    await abandon(id, 'failed', message, db, args.actor);
    return { status: 'blocked', message, findings: [] };
  }
  const findings = detectHeaderDrift(profile, sniff.header, sniff.sampleRows);
  const blocking = findings.filter((f) => f.severity === 'blocking');
  const bound = compileIngestProfile(profile, { name: ingestion.source.name, kind: ingestion.source.kind as SourceKind }).bindHeader(sniff.header);

  if (blocking.length || !bound.ok) {
    const message = blocking.map((f) => f.message).join(' ') || (bound.ok ? 'The file does not fit the profile.' : bound.message);
    await db.$transaction(async (tx) => {
      await tx.ingestion.update({ where: { id }, data: { status: 'blocked', message, profileVersionId: version.id, finishedAt: new Date(), stagedPath: null } });
      await writeAudit(tx, { actor: args.actor, action: 'ingestion.blocked', entityType: 'Ingestion', entityId: id, after: { message } });
    });
    await recordDrift(db, ingestion, version.id, blocking.length ? findings : [{ kind: 'missing_columns', severity: 'blocking', message, detail: {} }]);
    await rm(ingestion.stagedPath, { force: true });
    return { status: 'blocked', message, findings };
  }

  const warnings = findings.filter((f) => f.severity === 'warning');
  await recordDrift(db, ingestion, version.id, warnings);
  await db.ingestion.update({
    where: { id },
    data: { status: 'processing', profileVersionId: version.id, onInvalid: args.onInvalid, startedAt: new Date(), format: JSON.stringify(sniff.format) },
  });
  const work = processIngestion(id, { actor: args.actor, db }).catch((error) => {
    console.error(`Ingestion ${id} failed:`, error instanceof Error ? error.message : error);
  });
  if (args.wait) await work;
  return { status: 'processing', version: version.version, warnings };
}

/** Reads the staged file row by row, writing records in batches; never holds the file in memory. */
export async function processIngestion(id: string, opts: { actor: Actor; db?: Client }): Promise<void> {
  const db = opts.db ?? getPrisma();
  const ingestion = await loadIngestion(id, db);
  if (ingestion.status !== 'processing' || !ingestion.stagedPath || !ingestion.profileVersionId) {
    throw new IngestionStateError(`Ingestion ${id} is not ready to process (${ingestion.status}).`);
  }
  const stagedPath = ingestion.stagedPath;
  const versionId = ingestion.profileVersionId;
  try {
    const version = await db.sourceProfileVersion.findUniqueOrThrow({ where: { id: versionId } });
    const current = await currentProfileVersion(ingestion.sourceId, db);
    const profile: IngestProfile = current && current.id === versionId ? current.profile : JSON.parse(version.profile);
    const format = JSON.parse(ingestion.format ?? 'null') ?? profile.format;
    const sniff = await sniffFile(stagedPath, ingestion.fileName ?? 'upload', { format });
    const bound = compileIngestProfile(profile, { name: ingestion.source.name, kind: ingestion.source.kind as SourceKind }).bindHeader(sniff.header);
    if (!bound.ok) throw new IngestionStateError(bound.message);

    const codeCounts = new Map<string, number>();
    let batch: RecordRow[] = [];
    let errors: { ingestionId: string; line: number; column: string; reason: string; value: string | null }[] = [];
    let total = 0;
    let valid = 0;
    let invalid = 0;
    let bytes = 0;
    let lastProgress = 0;
    const flush = async (final = false) => {
      if (batch.length) await insertRecords(db, batch);
      if (errors.length) await db.ingestionError.createMany({ data: errors });
      batch = [];
      errors = [];
      if (final || performance.now() - lastProgress > PROGRESS_EVERY_MS) {
        lastProgress = performance.now();
        await db.ingestion.update({ where: { id }, data: { rowsTotal: total, rowsValid: valid, rowsInvalid: invalid, bytesProcessed: BigInt(bytes) } });
      }
    };

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
        const raw: Record<string, string> = {};
        sniff.header.forEach((h, i) => (raw[h] = row.fields[i] ?? ''));
        batch.push(
          toRecordRow(
            r,
            { sourceId: ingestion.sourceId, ingestionId: id, profileVersionId: versionId, fileSha256: ingestion.fileSha256, eventId: null, line: r.line },
            JSON.stringify(raw),
          ),
        );
      }
      if (batch.length >= BATCH_SIZE || errors.length >= BATCH_SIZE) await flush();
    }
    bytes = Number(ingestion.bytesTotal);
    await flush(true);

    await recordDrift(db, ingestion, versionId, detectStatusDrift(profile, codeCounts));

    if (total === 0) throw new IngestionStateError('The file has a header but no data rows.');
    if (invalid > 0 && ingestion.onInvalid !== 'valid_only') {
      if (ingestion.onInvalid === 'abort' || valid === 0) {
        await abandon(id, 'aborted', `${invalid} of ${total} rows are invalid; nothing was ingested. Download the bad rows, fix them and upload again.`, db, opts.actor);
        return;
      }
      await db.ingestion.update({
        where: { id },
        data: { status: 'needs_decision', message: `${invalid} of ${total} rows are invalid. Ingest the ${valid} valid rows, or abort.` },
      });
      return;
    }
    await commitIngestion(id, opts.actor, db);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await abandon(id, 'failed', `Ingestion failed: ${message}`, db, opts.actor);
    throw error;
  }
}

async function commitIngestion(id: string, actor: Actor, db: Client) {
  // Read before the update clears it: the staged copy is removed once the records are committed.
  const before = await db.ingestion.findUnique({ where: { id }, select: { stagedPath: true } });
  await db.$transaction(async (tx) => {
    const row = await tx.ingestion.update({
      where: { id },
      data: { status: 'committed', finishedAt: new Date(), stagedPath: null, message: null },
    });
    await tx.source.update({ where: { id: row.sourceId }, data: { lastIngestedAt: new Date() } });
    await writeAudit(tx, {
      actor,
      action: 'ingestion.commit',
      entityType: 'Ingestion',
      entityId: id,
      after: { sourceId: row.sourceId, rowsValid: row.rowsValid, rowsInvalid: row.rowsInvalid, sha256: row.fileSha256, profileVersionId: row.profileVersionId },
    });
  });
  if (before?.stagedPath) await rm(before.stagedPath, { force: true });
}

/** Removes every record of the ingestion and marks it failed or aborted: nothing half-written remains. */
async function abandon(id: string, status: 'failed' | 'aborted', message: string, db: Client, actor: Actor) {
  const before = await db.ingestion.findUnique({ where: { id }, select: { stagedPath: true } });
  await db.$transaction(async (tx) => {
    await tx.sourceRecord.deleteMany({ where: { ingestionId: id } });
    const updated = await tx.ingestion.update({ where: { id }, data: { status, message, finishedAt: new Date(), stagedPath: null } });
    await writeAudit(tx, { actor, action: `ingestion.${status}`, entityType: 'Ingestion', entityId: id, after: { message } });
    if (status === 'failed') await alertIngestionFailed(tx, { id, sourceId: updated.sourceId }, message);
  });
  if (before?.stagedPath) await rm(before.stagedPath, { force: true });
}

/** The analyst's choice after seeing the invalid rows. */
export async function decideIngestion(id: string, decision: 'commit' | 'abort', actor: Actor, db: Client = getPrisma()) {
  const ingestion = await loadIngestion(id, db);
  if (ingestion.status !== 'needs_decision') throw new IngestionStateError(`This upload is ${ingestion.status}; there is nothing to decide.`);
  if (decision === 'commit') await commitIngestion(id, actor, db);
  else await abandon(id, 'aborted', 'Aborted by the analyst; nothing was ingested.', db, actor);
}

/** Called at start-up: work interrupted by a crash or restart is rolled back, never left half-written. */
export async function recoverInterruptedIngestions(db: Client = getPrisma(), opts: { /** Only these (lib/features/ingestion/recover-uploads.ts picks the ones that stopped). */ ids?: string[] } = {}): Promise<number> {
  const stuck = await db.ingestion.findMany({ where: { status: 'processing', ...(opts.ids ? { id: { in: opts.ids } } : {}) }, select: { id: true, channel: true } });
  for (const { id, channel } of stuck) {
    const retry = channel === 'pull' ? 'The next pull fetches the same records again.' : 'Upload the file again.';
    await abandon(id, 'failed', `Interrupted by a server restart; nothing was ingested. ${retry}`, db, null);
  }
  return stuck.length;
}

export async function getIngestion(id: string, db: Client = getPrisma()) {
  const row = await db.ingestion.findUnique({
    where: { id },
    include: { profileVersion: { select: { version: true } }, source: { select: { id: true, name: true } }, driftEvents: { orderBy: { createdAt: 'asc' } } },
  });
  if (!row) return null;
  return {
    id: row.id,
    source: row.source,
    status: row.status,
    fileName: row.fileName,
    fileSha256: row.fileSha256,
    fileSize: Number(row.fileSize ?? 0),
    rowsTotal: row.rowsTotal,
    rowsValid: row.rowsValid,
    rowsInvalid: row.rowsInvalid,
    bytesTotal: Number(row.bytesTotal),
    bytesProcessed: Number(row.bytesProcessed),
    message: row.message,
    version: row.profileVersion?.version ?? null,
    duplicateOfId: row.duplicateOfId,
    createdAt: row.createdAt,
    finishedAt: row.finishedAt,
    drift: row.driftEvents.map((d) => ({ kind: d.kind, severity: d.severity, message: d.message })),
  };
}

export async function listIngestions(sourceId: string, db: Client = getPrisma()) {
  const rows = await db.ingestion.findMany({
    where: { sourceId },
    orderBy: { createdAt: 'desc' },
    take: 50,
    include: { profileVersion: { select: { version: true } } },
  });
  return rows.map((r) => ({
    id: r.id,
    channel: r.channel,
    fileName: r.fileName,
    fileSha256: r.fileSha256,
    status: r.status,
    rowsValid: r.rowsValid,
    rowsInvalid: r.rowsInvalid,
    version: r.profileVersion?.version ?? null,
    createdAt: r.createdAt,
    message: r.message,
  }));
}

/** Bad rows as CSV (line, column, reason, value), with cells escaped against formula injection. */
export async function* ingestionErrorsCsv(id: string, db: Client = getPrisma()): AsyncGenerator<string> {
  yield 'line,column,reason,value\n';
  let cursor = 0;
  for (;;) {
    const rows = await db.ingestionError.findMany({ where: { ingestionId: id, id: { gt: cursor } }, orderBy: { id: 'asc' }, take: 1000 });
    if (!rows.length) return;
    for (const r of rows) yield `${[String(r.line), r.column, r.reason, r.value ?? ''].map(csvEscapeCell).join(',')}\n`;
    cursor = rows[rows.length - 1]!.id;
  }
}

export async function stagedFileExists(p: string): Promise<boolean> {
  return stat(p).then(() => true, () => false);
}
