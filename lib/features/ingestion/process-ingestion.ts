import { getPrisma, type DbClient as Client } from '@/lib/server/db/client';
import { detectHeaderDrift, detectStatusDrift, type DriftFinding } from '@/lib/features/ingestion/drift';
import { alertDrift } from '@/lib/features/alerts/checks';
import { compileIngestProfile, type IngestProfileInput, type SourceKind } from '@/lib/features/ingestion/profile';
import { abandon, loadIngestion, type Actor } from './ingestion-state';
import { ingestionStateError } from './upload-limits';
import { currentProfileVersion, ensureProfileVersion } from './sources';
import { ParseError, sniffFile } from '@/lib/features/ingestion/parse';
import { writeAudit } from '@/lib/server/db/audit';
import { rm } from 'node:fs/promises';
import { writeRecordsPlaced } from './ingest-placement';
import { profileOf } from './write-records';
import { loggerFor } from '@/lib/server/observability/logger';
import { dataArrived } from './data-arrived';


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

export async function processIngestion(id: string, opts: { actor: Actor; db?: Client }): Promise<void> {
  const db = opts.db ?? getPrisma();
  const ingestion = await loadIngestion(id, db);
  if (ingestion.status !== 'processing' || !ingestion.stagedPath || !ingestion.profileVersionId) {
    throw ingestionStateError(`Ingestion ${id} is not ready to process (${ingestion.status}).`);
  }
  const versionId = ingestion.profileVersionId;
  try {
    const { total, valid, invalid, codeCounts } = await writeRecordsPlaced(id, db, Number(ingestion.bytesTotal));
    const profile = await profileOf(ingestion, db);
    await recordDrift(db, ingestion, versionId, detectStatusDrift(profile, new Map(codeCounts)));

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
