/**
 * Renaming, archiving and deleting sources, on SQLite and PostgreSQL: a name stays unique, a source
 * with records or in a reconciliation is archived rather than deleted, one nothing depends on is
 * deleted with its versions and uploads; each change writes its audit row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReconciliation } from '@/lib/features/ledger';
import { archiveSource, deleteSource, renameSource, sourceDependents } from '@/lib/features/ingestion/manage-source';
import { createSource, listSources } from '@/lib/features/ingestion/sources';
import { ensureDefaultRuleSet } from '@/lib/features/runs/rulesets';
import { insertRecords } from '@/lib/server/db/record-insert';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';
import { makeActor } from './review-fixtures';

describe.each(DATABASE_KINDS)('source housekeeping on %s', (kind) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
  });
  afterAll(async () => db?.drop());

  it('renames, refuses a taken name, deletes what nothing depends on and archives the rest', async () => {
    const analyst = await makeActor(db.prisma, 'analyst');
    const stripe = await createSource({ name: 'Stripe', kind: 'gateway' }, { actor: analyst, db: db.prisma, profile: { dataset: 'payments', columns: { id: 'id', status: 'Status', amount: 'Amount' } } });
    const bank = await createSource({ name: 'Bank', kind: 'bank' }, { actor: analyst, db: db.prisma });
    const typo = await createSource({ name: 'Stirpe test', kind: 'gateway' }, { actor: analyst, db: db.prisma, profile: { dataset: 'payments', columns: { id: 'id', status: 'Status', amount: 'Amount' } } });

    await renameSource(stripe.id, { name: 'Stripe EU', description: 'Card payments in euros' }, analyst, db.prisma);
    expect(await db.prisma.source.findUniqueOrThrow({ where: { id: stripe.id } })).toMatchObject({ name: 'Stripe EU', description: 'Card payments in euros' });
    await expect(renameSource(bank.id, { name: 'Stripe EU' }, analyst, db.prisma)).rejects.toThrow('A source named "Stripe EU" already exists. Pick another name.');

    // Nothing depends on the typo: it goes, with its profile version and a staged upload.
    const version = await db.prisma.sourceProfileVersion.findFirstOrThrow({ where: { sourceId: typo.id } });
    await db.prisma.ingestion.create({ data: { sourceId: typo.id, profileVersionId: version.id, channel: 'upload', status: 'aborted' } });
    expect(await sourceDependents(typo.id, db.prisma)).toEqual({ records: 0, reconciliations: [] });
    await deleteSource(typo.id, analyst, db.prisma);
    expect(await db.prisma.source.findUnique({ where: { id: typo.id } })).toBeNull();
    expect(await db.prisma.sourceProfileVersion.count({ where: { sourceId: typo.id } })).toBe(0);

    // Stripe has records and both are in a reconciliation: no delete, archive instead.
    const v = await db.prisma.sourceProfileVersion.findFirstOrThrow({ where: { sourceId: stripe.id } });
    await insertRecords(db.prisma, [{ sourceId: stripe.id, profileVersionId: v.id, ingestionId: null, dataset: 'payments', eventId: 'evt_1', fileSha256: null, line: null, key: 'K1', txId: 'K1', date: '2025-01-07', occurredAt: null, amountMinor: 100, currency: 'USD', status: 'Paid', code: 'Paid', attrs: null, raw: null }]);
    const ruleSet = await ensureDefaultRuleSet(db.prisma);
    await createReconciliation({ name: 'Cards', sourceIds: [stripe.id, bank.id], ruleSetName: ruleSet.name }, null, db.prisma);
    await expect(deleteSource(stripe.id, analyst, db.prisma)).rejects.toThrow('"Stripe EU" cannot be deleted: 1 record and the reconciliation "Cards" depend on it. Archive it instead');
    await expect(deleteSource(bank.id, analyst, db.prisma)).rejects.toThrow(/the reconciliation "Cards" depend on it/);
    await archiveSource(stripe.id, analyst, db.prisma);
    expect((await listSources(db.prisma)).map((s) => s.name)).toEqual(['Bank']);
    expect(await db.prisma.sourceRecord.count({ where: { sourceId: stripe.id } })).toBe(1);

    const audit = (await db.prisma.auditLog.findMany({ where: { actorId: analyst.id, action: { in: ['source.update', 'source.delete', 'source.archive'] } }, orderBy: { createdAt: 'asc' } })).map((a) => a.action);
    expect(audit).toEqual(['source.update', 'source.delete', 'source.archive']);
  });
});
