/**
 * A reconciliation's matching (lib/features/ledger/matching.ts), on SQLite and PostgreSQL: dates
 * compare by calendar day (a time of day never makes a difference), a member source gets a window of
 * days after the first member (a bank that books later), amounts a tolerance; editing them is audited,
 * asks for a full pass, and that pass re-classifies entries while a decision on unchanged facts stays.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReconciliation, runLedgerPass, updateReconciliation } from '@/lib/features/ledger';
import { parseMatching } from '@/lib/features/ledger/matching';
import { previewMatching } from '@/lib/features/ledger/matching-preview';
import { resolveDiscrepancy } from '@/lib/features/review/resolve';
import { ensureDefaultRuleSet } from '@/lib/features/runs/rulesets';
import { insertRecords, type RecordRow } from '@/lib/server/db/record-insert';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';
import { expectCountsMatchEntries } from './ledger-counts';
import { makeActor } from './review-fixtures';

type Row = { key: string; date: string; at: string; cents: number };

describe.each(DATABASE_KINDS)('matching by calendar day, date windows and amount tolerances on %s', (kind) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
  });
  afterAll(async () => db?.drop());

  async function source(name: string, sourceKind: string, rows: Row[]) {
    const s = await db.prisma.source.create({ data: { name, kind: sourceKind } });
    const version = await db.prisma.sourceProfileVersion.create({ data: { sourceId: s.id, version: 1, profile: '{}' } });
    const ingestion = await db.prisma.ingestion.create({ data: { sourceId: s.id, profileVersionId: version.id, channel: 'upload', status: 'committed', rowsValid: rows.length } });
    const base = { sourceId: s.id, profileVersionId: version.id, ingestionId: ingestion.id, dataset: 'payments', eventId: null, fileSha256: null, currency: 'USD', attrs: null, raw: null };
    await insertRecords(db.prisma, rows.map((r, i): RecordRow => ({ ...base, line: i + 2, key: r.key, txId: r.key, date: r.date, occurredAt: new Date(r.at), amountMinor: r.cents, status: 'Paid', code: 'Paid' })));
    return s;
  }

  it('matches same-day records whatever their times, and a later bank within its window', async () => {
    // The gateway stamps 11:15; the bank books the same day at 10:00, or 1, 3 or 6 days later, or a day early.
    const gateway = await source('Gateway', 'gateway', [
      { key: 'SAME', date: '2025-01-07', at: '2025-01-07T11:15:00Z', cents: 125_000 },
      { key: 'PLUS1', date: '2025-01-07', at: '2025-01-07T11:15:00Z', cents: 125_000 },
      { key: 'PLUS3', date: '2025-01-07', at: '2025-01-07T11:15:00Z', cents: 125_000 },
      { key: 'PLUS6', date: '2025-01-07', at: '2025-01-07T11:15:00Z', cents: 125_000 },
      { key: 'EARLY', date: '2025-01-07', at: '2025-01-07T11:15:00Z', cents: 125_000 },
      { key: 'CENTS', date: '2025-01-07', at: '2025-01-07T11:15:00Z', cents: 125_000 },
    ]);
    const bank = await source('Bank', 'bank', [
      { key: 'SAME', date: '2025-01-07', at: '2025-01-07T10:00:00Z', cents: 125_000 },
      { key: 'PLUS1', date: '2025-01-08', at: '2025-01-08T00:00:00Z', cents: 125_000 },
      { key: 'PLUS3', date: '2025-01-10', at: '2025-01-10T00:00:00Z', cents: 125_000 },
      { key: 'PLUS6', date: '2025-01-13', at: '2025-01-13T00:00:00Z', cents: 125_000 },
      { key: 'EARLY', date: '2025-01-06', at: '2025-01-06T00:00:00Z', cents: 125_000 },
      { key: 'CENTS', date: '2025-01-07', at: '2025-01-07T00:00:00Z', cents: 124_998 },
    ]);
    const ruleSet = await ensureDefaultRuleSet(db.prisma);
    const rec = await createReconciliation({ name: 'Cards', sourceIds: [gateway.id, bank.id], ruleSetName: ruleSet.name }, null, db.prisma);
    await runLedgerPass(rec.id, { keys: null, trigger: 'person', db: db.prisma });
    const classes = async () => Object.fromEntries((await db.prisma.runResult.findMany({ where: { runId: rec.ledgerRunId }, select: { key: true, cls: true, reasons: true } })).map((e) => [e.key, `${e.cls}${e.reasons}`]));
    // Exact matching: only the same day (11:15 against 10:00) and the same amount match.
    expect(await classes()).toEqual({ SAME: 'matched', PLUS1: 'mismatched;date;', PLUS3: 'mismatched;date;', PLUS6: 'mismatched;date;', EARLY: 'mismatched;date;', CENTS: 'mismatched;amount;' });

    // A reviewer settles the early booking by hand: its facts will not change.
    const reviewer = await makeActor(db.prisma, 'reviewer');
    const early = await db.prisma.runResult.findFirstOrThrow({ where: { runId: rec.ledgerRunId, key: 'EARLY' } });
    await resolveDiscrepancy(early.id, early.version, { action: 'accept_source', source: 'Bank', reason: 'Booked a day early by the bank.' }, reviewer, db.prisma);

    // Before saving, the preview says what the new matching would change, from the entries as they are.
    const preview = await previewMatching(rec.id, { amountToleranceMinor: 2, dateWindows: { [bank.id]: { min: 0, max: 5 } } }, db.prisma);
    expect(preview).toMatchObject({ scanned: 6, total: 6, becomeMatched: 3, becomeMismatched: 0 });
    expect(preview.examples.map((e) => `${e.key}: ${e.from} -> ${e.to}`)).toEqual(['CENTS: differs: amount -> matched', 'PLUS1: differs: date -> matched', 'PLUS3: differs: date -> matched']);
    // Tightening instead: a same-day match would not survive a window that starts a day later.
    expect(await previewMatching(rec.id, { dateWindows: { [bank.id]: { min: 1, max: 3 } } }, db.prisma)).toMatchObject({ becomeMatched: 2, becomeMismatched: 1, newReasons: { date: 1 } });

    // The bank books 0 to 5 days after the gateway; amounts may differ by 2 cents.
    const admin = await makeActor(db.prisma, 'admin');
    const edit = await updateReconciliation(
      { id: rec.id, name: 'Cards', description: '', ruleSetName: ruleSet.name, matching: { amountToleranceMinor: 2, amountTolerancePercent: 0, dateWindows: { [bank.id]: { min: 0, max: 5 }, [gateway.id]: { min: 9, max: 9 } } } },
      admin,
      db.prisma,
    );
    expect(edit.fullPass).toBe('rules');
    // The first member is the windows' anchor: a window for it is dropped, not stored.
    const stored = parseMatching((await db.prisma.reconciliation.findUniqueOrThrow({ where: { id: rec.id } })).matching);
    expect(stored).toEqual({ amountToleranceMinor: 2, amountTolerancePercent: 0, dateWindows: { [bank.id]: { min: 0, max: 5 } }, attempts: [] });
    const audit = await db.prisma.auditLog.findFirstOrThrow({ where: { action: 'reconciliation.update', entityId: rec.id } });
    expect(JSON.parse(audit.after!)).toMatchObject({ matching: { amountToleranceMinor: 2, dateWindows: { [bank.id]: { min: 0, max: 5 } } } });

    const full = await runLedgerPass(rec.id, { keys: null, trigger: 'rules', db: db.prisma });
    expect(full).toMatchObject({ keysRead: 6, created: 0, reopened: 0, autoResolved: 3 });
    expect(await classes()).toEqual({ SAME: 'matched', PLUS1: 'matched', PLUS3: 'matched', PLUS6: 'mismatched;date;', EARLY: 'mismatched;date;', CENTS: 'matched' });
    // Matched now with the same facts, they are settled by the automatic rule as new entries would be.
    const states = Object.fromEntries((await db.prisma.runResult.findMany({ where: { runId: rec.ledgerRunId }, select: { key: true, state: true } })).map((e) => [e.key, e.state]));
    expect(states).toEqual({ SAME: 'resolved', PLUS1: 'resolved', PLUS3: 'resolved', PLUS6: 'open', EARLY: 'resolved', CENTS: 'resolved' });
    // The decision on unchanged facts stays.
    expect(await db.prisma.runResult.findFirstOrThrow({ where: { runId: rec.ledgerRunId, key: 'EARLY' } })).toMatchObject({ state: 'resolved', finalStatus: 'Paid' });
    await expectCountsMatchEntries(db.prisma, rec.ledgerRunId);

    // Saving the same matching again asks for no pass.
    const again = await updateReconciliation({ id: rec.id, name: 'Cards', description: '', ruleSetName: ruleSet.name, matching: stored }, admin, db.prisma);
    expect(again.fullPass).toBeNull();
  });
});
