/**
 * The reconciled ledger (docs/ledger.md), on SQLite and PostgreSQL: a reconciliation's entries keep
 * their decisions while new data leaves their facts unchanged, reopen with a reason (and move ROMI,
 * audited in the same transaction) when the facts change, and new data reconciles by itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveReconciliation, createReconciliation, entryHistory, listReconciliations, ledgerChangesSince, reconciliationOverview, reconciliationsWithSource, runLedgerPass, updateReconciliation } from '@/lib/features/ledger';
import { previewIngestion } from '@/lib/features/ingestion/preview-ingestion';
import { stageUpload } from '@/lib/features/ingestion/stage-upload';
import { startIngestion } from '@/lib/features/ingestion/process-ingestion';
import { bulkResolve, resolveDiscrepancy, undoResolution } from '@/lib/features/review/resolve';
import { listRuleSets, saveRuleSetVersion } from '@/lib/features/runs/rulesets';
import { type Actor } from '@/lib/domain/actor';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';
import { makeActor, seedSources } from './review-fixtures';
import { expectCountsMatchEntries } from './ledger-counts';
import { factsOf } from '@/lib/features/ledger/facts';

/** Uploads a CSV to a source through the real path (stage, preview, ingest) and waits for the commit. */
async function ingestCsv(db: TestDatabase, sourceId: string, fileName: string, csv: string): Promise<string> {
  const bytes = new TextEncoder().encode(csv);
  const body = new ReadableStream<Uint8Array>({ start: (c) => { c.enqueue(bytes); c.close(); } });
  const staged = await stageUpload({ sourceId, fileName, body, actor: null, db: db.prisma });
  const preview = await previewIngestion(staged.ingestionId, { db: db.prisma });
  const profile = { ...preview.suggestion.profile, currency: 'USD', columns: { ...preview.suggestion.profile.columns, date: 'Date' } };
  await startIngestion(staged.ingestionId, { profile, onInvalid: 'abort', actor: null, db: db.prisma, wait: true });
  const done = await db.prisma.ingestion.findUniqueOrThrow({ where: { id: staged.ingestionId } });
  expect(done.status).toBe('committed');
  return staged.ingestionId;
}

/** Waits for the background pass an ingestion set off. */
async function passFor(db: TestDatabase, triggerRef: string) {
  for (let i = 0; i < 200; i++) {
    const pass = await db.prisma.reconciliationPass.findFirst({ where: { triggerRef, status: { in: ['completed', 'failed'] } } });
    if (pass) return pass;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no pass for ${triggerRef}`);
}

describe.each(DATABASE_KINDS)('the reconciled ledger on %s', (kind) => {
  let db: TestDatabase;
  let reviewer: Actor;
  let analyst: Actor;
  let ids: { gatewayId: string; bankId: string };
  let reconciliationId: string;
  let ledgerRunId: string;
  const entry = (key: string) => db.prisma.runResult.findFirstOrThrow({ where: { runId: ledgerRunId, key } });
  const revenue = async () => (await db.prisma.romiDaily.aggregate({ where: { runId: ledgerRunId, model: 'last_touch' }, _sum: { revenueMinor: true } }))._sum.revenueMinor ?? 0n;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    reviewer = await makeActor(db.prisma, 'reviewer');
    analyst = await makeActor(db.prisma, 'analyst');
    ids = await seedSources(db.prisma);
  });
  afterAll(async () => db?.drop());

  it('a new reconciliation\'s first full pass fills the ledger, settles the matched entries and journals the pass', async () => {
    const created = await createReconciliation({ name: 'Card payments', sourceIds: [ids.gatewayId, ids.bankId], ruleSetName: 'gateway-vs-bank' }, analyst, db.prisma);
    reconciliationId = created.id;
    ledgerRunId = created.ledgerRunId;
    const pass = await runLedgerPass(reconciliationId, { keys: null, trigger: 'person', actor: analyst, db: db.prisma });
    expect(pass).toMatchObject({ keysRead: 25, created: 25, changed: 0, reopened: 0, unchanged: 0, autoResolved: 4 });
    expect(await db.prisma.runResult.count({ where: { runId: ledgerRunId } })).toBe(25);
    expect(await db.prisma.run.findUniqueOrThrow({ where: { id: ledgerRunId } })).toMatchObject({ kind: 'ledger', totalKeys: 25, matched: 4, mismatched: 14, missing: 7, critical: 5, autoResolved: 4 });
    expect(await db.prisma.reconciliation.findUniqueOrThrow({ where: { id: reconciliationId } })).toMatchObject({ ledgerVersion: 1 });
    expect(await db.prisma.entryHistory.count({ where: { change: 'created' } })).toBe(25);
    // A second full pass over the same data writes nothing.
    expect(await runLedgerPass(reconciliationId, { keys: null, trigger: 'person', db: db.prisma })).toMatchObject({ keysRead: 25, created: 0, changed: 0, reopened: 0, unchanged: 25 });
    expect(await db.prisma.reconciliation.findUniqueOrThrow({ where: { id: reconciliationId } })).toMatchObject({ ledgerVersion: 1 });
  });

  it('a new bank file with the same facts reconciles by itself and leaves the decision and the audit log alone', async () => {
    const tx1000 = await entry('TX1000');
    expect(tx1000).toMatchObject({ state: 'resolved', finalStatus: 'Paid', finalAmountMinor: 38800n });
    const audits = await db.prisma.auditLog.count({ where: { entityType: 'RunResult', entityId: String(tx1000.id) } });
    const ingestionId = await ingestCsv(db, ids.bankId, 'bank-again.csv', 'TransactionID,Date,Amount,Status\nTX1000,2024-07-01,388,Completed\n');
    const pass = await passFor(db, ingestionId);
    expect(pass).toMatchObject({ status: 'completed', trigger: 'ingestion', scope: 'incremental', keysRead: 1, unchanged: 1, created: 0, changed: 0, reopened: 0 });
    expect(await entry('TX1000')).toMatchObject({ state: 'resolved', version: tx1000.version, finalStatus: 'Paid', reopenReason: null });
    expect(await db.prisma.auditLog.count({ where: { entityType: 'RunResult', entityId: String(tx1000.id) } })).toBe(audits);
  });

  it('a bank file that changes the facts reopens the entry with the reason, moves ROMI by exactly its amount, audited together', async () => {
    const before = await entry('TX1000');
    const revenueBefore = await revenue();
    const ingestionId = await ingestCsv(db, ids.bankId, 'bank-failed.csv', 'TransactionID,Date,Amount,Status\nTX1000,2024-07-01,388,Failed\n');
    expect(await passFor(db, ingestionId)).toMatchObject({ status: 'completed', reopened: 1, keysRead: 1 });
    const after = await entry('TX1000');
    expect(after).toMatchObject({ state: 'open', finalStatus: null, version: before.version + 1 });
    expect(after.reopenReason).toMatch(/^Bank now says Failed \(was Paid\); it was resolved as Paid on \d{4}-\d{2}-\d{2}\.$/);
    expect(after.statuses).toContain(';Bank:Failed;');
    expect(revenueBefore - (await revenue())).toBe(38800n);
    const reopen = await db.prisma.resolution.findFirstOrThrow({ where: { resultId: after.id, action: 'reopen' } });
    expect(JSON.parse(reopen.before)).toMatchObject({ state: 'resolved', finalStatus: 'Paid' });
    const audit = await db.prisma.auditLog.findFirstOrThrow({ where: { action: 'discrepancy.reopen', entityId: String(after.id) } });
    expect(JSON.parse(audit.after!)).toMatchObject({ reason: after.reopenReason, resolutionId: reopen.id });
    const history = await db.prisma.entryHistory.findMany({ where: { resultId: after.id }, orderBy: { id: 'asc' } });
    expect(history.map((h) => h.change)).toEqual(['created', 'reopened']);
    // The "created" row stores no facts of its own: the history shows the facts the entry was created with
    // (the bank's Paid, from the reopen's facts before), not its facts now; an entry never changed shows its own.
    expect(history[0]!.factsAfter).toBe('');
    const shown = await entryHistory(after.id, db.prisma);
    expect(shown[0]!.factsAfter).toBe(history[1]!.factsBefore);
    expect(JSON.parse(shown[0]!.factsAfter)).toContainEqual(expect.objectContaining({ name: 'Bank', status: 'Paid' }));
    const untouched = await entry('TX1001');
    expect((await entryHistory(untouched.id, db.prisma)).map((h) => [h.change, JSON.parse(h.factsAfter)])).toEqual([['created', factsOf(untouched.detail)]]);
    // The earlier automatic decision stays in the entry's history.
    expect(await db.prisma.resolution.count({ where: { resultId: after.id, action: 'auto' } })).toBe(1);
  });

  it('compares the ledger now with the point in time after an earlier pass', async () => {
    const passes = await db.prisma.reconciliationPass.findMany({ where: { reconciliationId }, orderBy: { createdAt: 'asc' } });
    const first = passes[0]!;
    const diff = (await ledgerChangesSince(reconciliationId, first.id, {}, db.prisma))!;
    expect(diff.passesAfter).toBe(passes.length - 1);
    expect(diff.counts).toEqual({ created: 0, changed: 0, reopened: 1 });
    expect(diff.entries).toHaveLength(1);
    expect(diff.entries[0]).toMatchObject({ key: 'TX1000', state: 'open', changes: ['reopened'] });
    expect(JSON.parse(diff.entries[0]!.factsThen!)).toContainEqual(expect.objectContaining({ name: 'Bank', status: 'Paid' }));
    expect(JSON.parse(diff.entries[0]!.factsNow)).toContainEqual(expect.objectContaining({ name: 'Bank', status: 'Failed' }));
    expect(diff.entries[0]!.reasons[0]).toMatch(/^Bank now says Failed/);
    // Since the newest pass nothing changed; a pass of another reconciliation is not a point in this one.
    const latest = (await ledgerChangesSince(reconciliationId, passes[passes.length - 1]!.id, {}, db.prisma))!;
    expect(latest).toMatchObject({ passesAfter: 0, counts: { created: 0, changed: 0, reopened: 0 }, entries: [] });
    expect(await ledgerChangesSince('another', first.id, {}, db.prisma)).toBeNull();
  });

  it('reviewers go on working on ledger entries: resolve, undo, bulk', async () => {
    const tx1000 = await entry('TX1000');
    const resolved = await resolveDiscrepancy(tx1000.id, tx1000.version, { action: 'accept_source', source: 'Bank', reason: 'The bank returned it.' }, reviewer, db.prisma);
    expect(await entry('TX1000')).toMatchObject({ state: 'resolved', finalStatus: 'Failed' });
    await undoResolution(tx1000.id, reviewer, { db: db.prisma });
    expect(await entry('TX1000')).toMatchObject({ state: 'open', version: resolved.version + 1 });
    const a = await entry('TX1010');
    const b = await entry('TX2001');
    expect(await bulkResolve([{ id: a.id, version: a.version }, { id: b.id, version: b.version }], { action: 'write_off', reason: 'Test data.' }, reviewer, db.prisma)).toEqual({ resolved: 2 });
  });

  it('a rule-set change followed by a full pass keeps every decision whose facts did not change', async () => {
    const settled = await db.prisma.runResult.findMany({ where: { runId: ledgerRunId, state: { in: ['resolved', 'written_off'] } }, select: { key: true, state: true, version: true } });
    expect(settled.length).toBeGreaterThan(0);
    const current = (await listRuleSets(db.prisma)).find((r) => r.name === 'gateway-vs-bank')!;
    const overview = async () => (await reconciliationOverview(db.prisma)).find((r) => r.id === reconciliationId)!;
    expect((await overview()).rulesNewerThanLedger).toBe(false);
    await new Promise((r) => setTimeout(r, 5)); // the new version's time is after the last full pass's
    await saveRuleSetVersion({ definition: { ...current.definition, description: 'Reviewed in December' }, autoRules: current.autoRules }, { actor: analyst, db: db.prisma });
    // The Reconciliations page offers the full pass: the ledger's keys were reconciled with the older rules.
    expect((await overview()).rulesNewerThanLedger).toBe(true);
    const pass = await runLedgerPass(reconciliationId, { keys: null, trigger: 'rules', actor: analyst, db: db.prisma });
    expect((await overview()).rulesNewerThanLedger).toBe(false);
    expect(pass).toMatchObject({ reopened: 0, created: 0 });
    const now = await db.prisma.runResult.findMany({ where: { runId: ledgerRunId, key: { in: settled.map((s) => s.key) } }, select: { key: true, state: true, version: true } });
    expect(now.sort((x, y) => x.key.localeCompare(y.key))).toEqual(settled.sort((x, y) => x.key.localeCompare(y.key)));    // The ledger's totals, moved by every pass so far (created, changed, reopened), equal a count of its entries.
    await expectCountsMatchEntries(db.prisma, ledgerRunId);
  });

  it('an analyst renames it and adds a source (a full pass brings the new side, decisions on unchanged facts stay), then archives it', async () => {
    const settled = await db.prisma.runResult.findMany({ where: { runId: ledgerRunId, state: 'resolved' }, orderBy: { key: 'asc' }, select: { key: true, state: true, version: true } });
    expect(settled.length).toBeGreaterThan(1);
    const [confirmed, ...others] = settled;
    const erp = await db.prisma.source.create({ data: { name: 'ERP', kind: 'erp' } });
    await ingestCsv(db, erp.id, 'erp.csv', `TransactionID,Date,Amount,Status\n${confirmed!.key},2024-07-01,1,Completed\n`);
    const renamed = await updateReconciliation({ id: reconciliationId, name: 'Card payments (EU)', description: 'Gateway, bank', addSourceIds: [], ruleSetName: 'gateway-vs-bank' }, analyst, db.prisma);
    expect(renamed).toMatchObject({ fullPass: null, summary: { name: 'Card payments (EU)', description: 'Gateway, bank' } });
    // A name taken by another reconciliation is refused with the reason, and nothing changes.
    await createReconciliation({ name: 'Invoices', sourceIds: [ids.gatewayId, ids.bankId], ruleSetName: 'gateway-vs-bank' }, analyst, db.prisma);
    await expect(updateReconciliation({ id: reconciliationId, name: 'Invoices', addSourceIds: [], ruleSetName: 'gateway-vs-bank' }, analyst, db.prisma)).rejects.toThrow(/named "Invoices" exists already/);
    // A reviewer resolves entries but does not change what is reconciled.
    await expect(updateReconciliation({ id: reconciliationId, name: 'Mine', addSourceIds: [], ruleSetName: 'gateway-vs-bank' }, reviewer, db.prisma)).rejects.toThrow(/Your role \(reviewer\) does not allow/);
    expect((await db.prisma.reconciliation.findUniqueOrThrow({ where: { id: reconciliationId } })).name).toBe('Card payments (EU)');

    const added = await updateReconciliation({ id: reconciliationId, name: 'Card payments (EU)', description: 'Gateway, bank, ERP', addSourceIds: [erp.id], ruleSetName: 'gateway-vs-bank' }, analyst, db.prisma);
    expect(added.fullPass).toBe('person');
    expect(added.summary.members.map((m) => m.sourceId)).toEqual([ids.gatewayId, ids.bankId, erp.id]);
    expect((await reconciliationsWithSource(erp.id, db.prisma)).map((r) => r.id)).toContain(reconciliationId);
    const pass = await runLedgerPass(reconciliationId, { keys: null, trigger: 'person', actor: analyst, db: db.prisma });
    expect(pass).toMatchObject({ created: 0, reopened: 1 });
    // Every entry now has the ERP's side. The one key the ERP has has new facts and is reopened; the
    // others are now "missing in ERP", but what the sources say of them is the same, so their decisions stay.
    const reopened = await entry(confirmed!.key);
    expect(JSON.parse(reopened.detail).sources.map((x: { name: string }) => x.name)).toEqual(['Gateway', 'Bank', 'ERP']);
    expect(reopened.reopenReason).toMatch(/^ERP now has this transaction \(Paid\); it was resolved as /);
    const kept = await db.prisma.runResult.findMany({ where: { runId: ledgerRunId, key: { in: others.map((x) => x.key) } }, orderBy: { key: 'asc' }, select: { key: true, state: true, version: true, missingIn: true } });
    expect(kept.map(({ key, state, version }) => ({ key, state, version }))).toEqual(others);
    for (const k of kept) expect(k.missingIn).toContain('ERP');
    const audit = await db.prisma.auditLog.findFirstOrThrow({ where: { action: 'reconciliation.update', entityId: reconciliationId }, orderBy: { createdAt: 'desc' } });
    expect(JSON.parse(audit.after!)).toMatchObject({ added: ['ERP'] });

    await archiveReconciliation(reconciliationId, analyst, db.prisma);
    expect((await listReconciliations(db.prisma)).map((r) => r.id)).not.toContain(reconciliationId);
    expect((await reconciliationsWithSource(ids.bankId, db.prisma)).map((r) => r.id)).not.toContain(reconciliationId);
    await expect(archiveReconciliation(reconciliationId, analyst, db.prisma)).rejects.toThrow(/archived already/);
    // Its entries and decisions stay.
    expect(await db.prisma.runResult.count({ where: { runId: ledgerRunId } })).toBe(25);
    await expectCountsMatchEntries(db.prisma, ledgerRunId);
    expect(await db.prisma.auditLog.count({ where: { action: 'reconciliation.archive', entityId: reconciliationId } })).toBe(1);
  });
});
