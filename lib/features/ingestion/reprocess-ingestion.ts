/**
 * Reads a committed ingestion again with its source's newest profile version (a mapping fixed after
 * the upload: a status code mapped, a reference kept, another id column): every record is rebuilt from
 * the raw row it was stored with, and the earlier records are replaced by the new ones in one
 * transaction, audited; the ledgers then reconcile the keys it had and has. All or nothing: when a row
 * does not fit the newer profile, nothing changes and the error names the rows.
 */
import { clientTarget, getPrisma, type DbClient as Client } from '@/lib/server/db/client';
import { writeAudit } from '@/lib/server/db/audit';
import { recordInsertSql, toRecordRow, type RecordRow } from '@/lib/server/db/record-insert';
import { InvalidRequestError } from '@/lib/server/core/app-error';
import { assertCan } from '@/lib/server/authorize';
import { type Actor } from '@/lib/domain/actor';
import { compileIngestProfile, type SourceKind } from './profile';
import { currentProfileVersion } from './sources';
import { dataArrived } from './data-arrived';

/** Rows read and written per statement. */
const PAGE = 1000;

export type ReprocessResult = { records: number; version: number; previousVersion: number | null };

export async function reprocessIngestion(ingestionId: string, actor: Actor | null, db: Client = getPrisma()): Promise<ReprocessResult> {
  if (actor) assertCan(actor, 'data:upload');
  const ingestion = await db.ingestion.findUnique({ where: { id: ingestionId }, include: { source: { select: { name: true, kind: true, archivedAt: true } }, profileVersion: { select: { version: true } } } });
  if (!ingestion) throw new InvalidRequestError('This upload no longer exists. Reload the page.');
  if (ingestion.status !== 'committed') throw new InvalidRequestError(`Only an ingested upload can be read again; this one is ${ingestion.status}.`);
  if (ingestion.source.archivedAt) throw new InvalidRequestError('This source is archived: restore it before reading its uploads again.');
  const current = await currentProfileVersion(ingestion.sourceId, db);
  if (!current) throw new InvalidRequestError('This source has no profile.');
  if (current.id === ingestion.profileVersionId) throw new InvalidRequestError(`This upload was read with profile v${current.version}, the newest: edit the profile first.`);

  // First the check, reading page by page (the raw rows are the bulk; nothing is held): every row must fit.
  const { kind } = clientTarget(db as object);
  const compiled = compileIngestProfile(current.profile, { name: ingestion.source.name, kind: ingestion.source.kind as SourceKind });
  let header: string[] | null = null;
  let bound: ReturnType<typeof compiled.bindHeader> | null = null;
  const rebuild = (r: { key: string; line: number | null; raw: string | null }): { ok: true; row: RecordRow } | { ok: false; problem: string } => {
    const raw = r.raw ? (JSON.parse(r.raw) as Record<string, string>) : null;
    if (!raw) throw new InvalidRequestError('This upload was stored without its raw rows; upload the file again instead.');
    if (!header) {
      header = Object.keys(raw);
      bound = compiled.bindHeader(header);
      if (!bound.ok) throw new InvalidRequestError(`Profile v${current.version} does not fit this upload: ${bound.message}`);
    }
    const result = bound!.ok ? bound!.fromFields(header.map((h) => raw[h] ?? ''), r.line ?? 0) : null;
    if (!result?.ok) return { ok: false, problem: result ? `line ${result.error.line}, ${result.error.column}: ${result.error.reason}` : `line ${r.line ?? '?'}` };
    return { ok: true, row: toRecordRow(result.record, { sourceId: ingestion.sourceId, ingestionId, profileVersionId: current.id, fileSha256: ingestion.fileSha256, eventId: null, line: result.record.line }, r.raw) };
  };
  const pages = async function* (client: Pick<Client, 'sourceRecord'>, upTo: number | null) {
    let lastId = 0;
    for (;;) {
      const rows = await client.sourceRecord.findMany({ where: { ingestionId, id: { gt: lastId, ...(upTo !== null ? { lte: upTo } : {}) } }, orderBy: { id: 'asc' }, take: PAGE, select: { id: true, key: true, line: true, raw: true } });
      if (!rows.length) return;
      lastId = rows[rows.length - 1]!.id;
      yield rows;
    }
  };
  const keys = new Set<string>();
  const problems: string[] = [];
  let old = 0;
  let bad = 0;
  let maxId = 0;
  for await (const rows of pages(db, null)) {
    for (const r of rows) {
      old++;
      maxId = Math.max(maxId, r.id);
      keys.add(r.key);
      const out = rebuild(r);
      if (out.ok) keys.add(out.row.key);
      else if (++bad <= 5) problems.push(out.problem);
    }
  }
  if (bad) throw new InvalidRequestError(`${bad} of ${old} rows do not fit profile v${current.version} (${problems.join('; ')}). Nothing was changed: fix the profile, or upload the file again.`);

  // Then the replacement, in one transaction: the new records go in page by page, the earlier ones go at the end.
  await db.$transaction(
    async (tx) => {
      let written = 0;
      for await (const rows of pages(tx, maxId)) {
        const fresh = rows.map((r) => rebuild(r)).map((o) => (o.ok ? o.row : null)).filter((x): x is RecordRow => x !== null);
        if (fresh.length !== rows.length) throw new InvalidRequestError('The upload changed while it was read again; try again.');
        await tx.$executeRawUnsafe(recordInsertSql(kind, fresh));
        written += fresh.length;
      }
      await tx.sourceRecord.deleteMany({ where: { ingestionId, id: { lte: maxId } } });
      await tx.ingestion.update({ where: { id: ingestionId }, data: { profileVersionId: current.id, rowsValid: written } });
      await writeAudit(tx, {
        actor,
        action: 'ingestion.reprocess',
        entityType: 'Ingestion',
        entityId: ingestionId,
        before: { profileVersion: ingestion.profileVersion?.version ?? null, records: old },
        after: { profileVersion: current.version, records: written, keys: keys.size },
      });
    },
    { timeout: 10 * 60_000 },
  );
  const romi = current.profile.dataset !== 'payments';
  await dataArrived({ kind: 'reprocess', sourceId: ingestion.sourceId, ingestionId, keys: [...keys], romi }, db);
  return { records: old, version: current.version, previousVersion: ingestion.profileVersion?.version ?? null };
}
