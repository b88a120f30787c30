import { getPrisma, type DbClient as Client } from '@/lib/server/db/client';
import { detectHeaderDrift, detectStatusDrift, type DriftFinding } from '@/lib/features/ingestion/drift';
import { alertDrift } from '@/lib/features/alerts/checks';
import { compileIngestProfile, type IngestProfile, type IngestProfileInput, type SourceKind } from '@/lib/features/ingestion/profile';
import { abandon, loadIngestion, type Actor } from './ingestion-state';
import { ingestionStateError } from './upload-limits';
import { currentProfileVersion, ensureProfileVersion } from './sources';
import { ParseError, readRows, sniffFile } from '@/lib/features/ingestion/parse';
import { writeAudit } from '@/lib/server/db/audit';
import { rm } from 'node:fs/promises';
import { insertRecords, toRecordRow, type RecordRow } from '@/lib/server/db/record-insert';
import { loggerFor } from '@/lib/server/observability/logger';
import { dataArrived } from './data-arrived';

const BATCH_SIZE = 5000;
const PROGRESS_EVERY_MS = 300;
const MAX_STORED_ERRORS = 10_000;

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
    throw ingestionStateError(`This upload is ${ingestion.status}; it cannot be ingested again.`);
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
    loggerFor('ingest', { ingestionId: id }).error({ err: error }, 'ingestion failed');
  });
  if (args.wait) await work;
  return { status: 'processing', version: version.version, warnings };
}

/** Reads the staged file row by row, writing records in batches; never holds the file in memory. */
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
    for (let i = 0; i < keys.length; i++) out += keys[i] + JSON.stringify(fields[i] ?? '');
    return keys.length ? `${out}}` : '{}';
  };
}

export async function processIngestion(id: string, opts: { actor: Actor; db?: Client }): Promise<void> {
  const db = opts.db ?? getPrisma();
  const ingestion = await loadIngestion(id, db);
  if (ingestion.status !== 'processing' || !ingestion.stagedPath || !ingestion.profileVersionId) {
    throw ingestionStateError(`Ingestion ${id} is not ready to process (${ingestion.status}).`);
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
    if (!bound.ok) throw ingestionStateError(bound.message);

    const rawJson = rawRowWriter(sniff.header);
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
        batch.push(
          toRecordRow(
            r,
            { sourceId: ingestion.sourceId, ingestionId: id, profileVersionId: versionId, fileSha256: ingestion.fileSha256, eventId: null, line: r.line },
            rawJson(row.fields),
          ),
        );
      }
      if (batch.length >= BATCH_SIZE || errors.length >= BATCH_SIZE) await flush();
    }
    bytes = Number(ingestion.bytesTotal);
    await flush(true);

    await recordDrift(db, ingestion, versionId, detectStatusDrift(profile, codeCounts));

    if (total === 0) throw ingestionStateError('The file has a header but no data rows.');
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
  const committed = await db.ingestion.findUnique({ where: { id }, select: { sourceId: true } });
  if (committed) await dataArrived({ kind: 'ingestion', sourceId: committed.sourceId, ingestionId: id }, db);
}

/** The analyst's choice after seeing the invalid rows. */
export async function decideIngestion(id: string, decision: 'commit' | 'abort', actor: Actor, db: Client = getPrisma()) {
  const ingestion = await loadIngestion(id, db);
  if (ingestion.status !== 'needs_decision') throw ingestionStateError(`This upload is ${ingestion.status}; there is nothing to decide.`);
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
