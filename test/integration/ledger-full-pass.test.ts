/**
 * A full pass over more keys than one chunk (docs/ledger.md): its chunks are key ranges paged from
 * each source's index, so every key is reconciled exactly once whatever side it is on (both, the
 * gateway only, the bank only, duplicated), the ledger's counts equal its entries, and a second full
 * pass finds only the one key whose facts changed, as does an incremental pass over more keys than
 * one statement reads, on SQLite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReconciliation, runLedgerPass } from '@/lib/features/ledger';
import { ensureDefaultRuleSet } from '@/lib/features/runs/rulesets';
import { insertRecords, type RecordRow } from '@/lib/server/db/record-insert';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';
import { expectCountsMatchEntries } from './ledger-counts';

const KEYS = 4_500; // more than two full-pass chunks of 2,000

describe.each(DATABASE_KINDS)('a full ledger pass over several chunks on %s', (kind) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
  });
  afterAll(async () => db?.drop());

  async function source(name: string, sourceKind: string, rows: { key: string; status: string; cents: number }[]) {
    const s = await db.prisma.source.create({ data: { name, kind: sourceKind } });
    const version = await db.prisma.sourceProfileVersion.create({ data: { sourceId: s.id, version: 1, profile: '{}' } });
    const ingestion = await db.prisma.ingestion.create({ data: { sourceId: s.id, profileVersionId: version.id, channel: 'upload', status: 'committed', rowsValid: rows.length } });
    const base = { sourceId: s.id, profileVersionId: version.id, ingestionId: ingestion.id, dataset: 'payments', eventId: null, fileSha256: null, occurredAt: null, currency: 'USD', attrs: null, raw: null, date: '2026-11-02' };
    await insertRecords(db.prisma, rows.map((r, i): RecordRow => ({ ...base, line: i + 2, key: r.key, txId: r.key, amountMinor: r.cents, status: r.status, code: r.status })));
    return { id: s.id, versionId: version.id, base };
  }

  it('reconciles every key once, and a second pass finds only what changed', async () => {
    const key = (i: number) => `TX${String(i).padStart(6, '0')}`;
    const gatewayRows = Array.from({ length: KEYS }, (_, i) => ({ key: key(i), status: 'Paid', cents: 1000 + i }));
    // The bank lacks every seventh key, has 40 keys of its own (between the gateway's) and lists one key twice.
    const bankRows = gatewayRows.filter((_, i) => i % 7 !== 3).map((r) => ({ ...r }));
    for (let i = 0; i < 40; i++) bankRows.push({ key: `${key(i * 100)}B`, status: 'Paid', cents: 500 });
    bankRows.push({ ...bankRows[2001]! });
    const gateway = await source('Gateway', 'gateway', gatewayRows);
    const bank = await source('Bank', 'bank', bankRows);
    const ruleSet = await ensureDefaultRuleSet(db.prisma);
    const rec = await createReconciliation({ name: 'Chunks', sourceIds: [gateway.id, bank.id], ruleSetName: ruleSet.name }, null, db.prisma);

    const first = await runLedgerPass(rec.id, { keys: null, trigger: 'person', db: db.prisma });
    expect(first).toMatchObject({ keysRead: KEYS + 40, created: KEYS + 40, changed: 0, reopened: 0 });
    const entries = await db.prisma.runResult.findMany({ where: { runId: rec.ledgerRunId }, select: { key: true, cls: true, missingIn: true } });
    expect(new Set(entries.map((e) => e.key)).size).toBe(KEYS + 40);
    const byKey = new Map(entries.map((e) => [e.key, e]));
    expect(byKey.get(key(3))).toMatchObject({ cls: 'missing', missingIn: ';Bank;' });
    expect(byKey.get(`${key(2500)}B`)).toMatchObject({ cls: 'missing', missingIn: ';Gateway;' });
    expect(byKey.get(bankRows[2001]!.key)!.cls).toBe('duplicate');
    await expectCountsMatchEntries(db.prisma, rec.ledgerRunId);

    // The bank now says Failed for one key in the second chunk.
    const changedKey = key(2999);
    const ingestion = await db.prisma.ingestion.create({ data: { sourceId: bank.id, profileVersionId: bank.versionId, channel: 'upload', status: 'committed', rowsValid: 1 } });
    await insertRecords(db.prisma, [{ ...bank.base, ingestionId: ingestion.id, line: 2, key: changedKey, txId: changedKey, amountMinor: 1000 + 2999, status: 'Failed', code: 'Failed' }]);
    const second = await runLedgerPass(rec.id, { keys: null, trigger: 'person', db: db.prisma });
    expect(second.keysRead).toBe(KEYS + 40);
    expect(second.created).toBe(0);
    expect(second.changed + second.reopened).toBe(1);
    expect(second.unchanged).toBe(KEYS + 40 - 1);
    const entry = await db.prisma.runResult.findFirstOrThrow({ where: { runId: rec.ledgerRunId, key: changedKey } });
    expect(entry.cls).toBe('mismatched');
    await expectCountsMatchEntries(db.prisma, rec.ledgerRunId);

    // An incremental pass over 1,200 keys (read 500 at a time) finds the one key a new bank file changed.
    const another = key(700);
    const later = await db.prisma.ingestion.create({ data: { sourceId: bank.id, profileVersionId: bank.versionId, channel: 'upload', status: 'committed', rowsValid: 1 } });
    await insertRecords(db.prisma, [{ ...bank.base, ingestionId: later.id, line: 2, key: another, txId: another, amountMinor: 1000 + 700, status: 'Failed', code: 'Failed' }]);
    const incremental = await runLedgerPass(rec.id, { keys: Array.from({ length: 1200 }, (_, i) => key(i)), trigger: 'ingestion', triggerRef: later.id, db: db.prisma });
    expect(incremental).toMatchObject({ keysRead: 1200, created: 0 });
    expect(incremental.changed + incremental.reopened).toBe(1);
    expect((await db.prisma.runResult.findFirstOrThrow({ where: { runId: rec.ledgerRunId, key: another } })).cls).toBe('mismatched');
    await expectCountsMatchEntries(db.prisma, rec.ledgerRunId);
  });
});
