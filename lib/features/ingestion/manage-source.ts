/** Renaming, archiving and deleting a source, each with its audit row in the same transaction. */
import { getPrisma, type DbClient as Client } from '@/lib/server/db/client';
import { writeAudit } from '@/lib/server/db/audit';
import { AppError } from '@/lib/server/core/app-error';
import { newSourceSchema } from './sources';

type Actor = { id: string; email: string } | null;

async function load(db: Client, id: string) {
  const source = await db.source.findUnique({ where: { id } });
  if (!source) throw new AppError('not_found', 'This source no longer exists. Reload the page.');
  return source;
}

/** A new name (unique, the same rules as a new source's) and description. */
export async function renameSource(id: string, input: { name: string; description?: string }, actor: Actor, db: Client = getPrisma()): Promise<void> {
  const data = newSourceSchema.pick({ name: true, description: true }).parse(input);
  const source = await load(db, id);
  await db.$transaction(async (tx) => {
    const taken = await tx.source.findUnique({ where: { name: data.name }, select: { id: true } });
    if (taken && taken.id !== id) {
      const message = `A source named "${data.name}" already exists. Pick another name.`;
      throw new AppError('conflict', message, { fields: { name: message } });
    }
    await tx.source.update({ where: { id }, data: { name: data.name, description: data.description } });
    await writeAudit(tx, { actor, action: 'source.update', entityType: 'Source', entityId: id, before: { name: source.name, description: source.description }, after: data });
  });
}

/**
 * What a source's removal would take with it: records (which ledgers, ROMI and the audit trail rely on)
 * and the reconciliations it is a member of. A source with neither can be deleted; otherwise archived.
 */
export async function sourceDependents(id: string, db: Client = getPrisma()): Promise<{ records: number; reconciliations: string[] }> {
  const [records, recs] = await Promise.all([
    db.sourceRecord.count({ where: { sourceId: id } }),
    db.reconciliation.findMany({ where: { archivedAt: null }, select: { name: true, members: true } }),
  ]);
  return { records, reconciliations: recs.filter((r) => r.members.includes(`"${id}"`)).map((r) => r.name) };
}

/**
 * Archives a source: it leaves the lists, uploads, pulls and webhooks stop, ROMI stops reading its deals
 * or spend; its records stay for the ledgers and the audit trail. Archiving twice changes nothing.
 */
export async function archiveSource(id: string, actor: Actor, db: Client = getPrisma()): Promise<void> {
  const source = await load(db, id);
  if (source.archivedAt) return;
  await db.$transaction(async (tx) => {
    await tx.source.update({ where: { id }, data: { archivedAt: new Date(), pullSchedule: null } });
    await writeAudit(tx, { actor, action: 'source.archive', entityType: 'Source', entityId: id, before: { name: source.name } });
  });
}

/** Deletes a source nothing depends on (no records, no reconciliation): its profile versions, uploads and drift findings go with it. */
export async function deleteSource(id: string, actor: Actor, db: Client = getPrisma()): Promise<void> {
  const source = await load(db, id);
  const deps = await sourceDependents(id, db);
  if (deps.records > 0 || deps.reconciliations.length > 0) {
    const why = [deps.records ? `${deps.records.toLocaleString('en-US')} record${deps.records === 1 ? '' : 's'}` : null, deps.reconciliations.length ? `the reconciliation${deps.reconciliations.length > 1 ? 's' : ''} ${deps.reconciliations.map((n) => `"${n}"`).join(', ')}` : null].filter(Boolean).join(' and ');
    throw new AppError('conflict', `"${source.name}" cannot be deleted: ${why} depend on it. Archive it instead; its data stays for the ledgers and the audit trail.`);
  }
  await db.$transaction(async (tx) => {
    await tx.driftEvent.deleteMany({ where: { sourceId: id } });
    await tx.webhookAttempt.deleteMany({ where: { sourceId: id } });
    await tx.webhookEvent.deleteMany({ where: { sourceId: id } });
    await tx.ingestion.deleteMany({ where: { sourceId: id } });
    await tx.sourceProfileVersion.deleteMany({ where: { sourceId: id } });
    await tx.source.delete({ where: { id } });
    await writeAudit(tx, { actor, action: 'source.delete', entityType: 'Source', entityId: id, before: { name: source.name, kind: source.kind } });
  });
}
