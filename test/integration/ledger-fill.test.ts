/**
 * The first full pass of a ledger inserts the entries the automatic rules settle already settled
 * (lib/features/ledger/pass.ts): the fast path. It must leave exactly what the slow path leaves,
 * inserting them open and settling them afterwards: the same entries, the same resolutions and the
 * same audit rows, the same counts, and the same ROMI aggregate, on SQLite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReconciliation, runLedgerPass } from '@/lib/features/ledger';
import { ensureDefaultRuleSet } from '@/lib/features/runs/rulesets';
import { insertRecords, type RecordRow } from '@/lib/server/db/record-insert';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';
import { expectCountsMatchEntries } from './ledger-counts';
import { indexDefinitions } from './index-definitions';
import { entryAudits, paramsWithoutAuditId } from './entry-audits';

const KEYS = 2_600; // more than one chunk of 2,000 keys

describe.each(DATABASE_KINDS)('a ledger fill, settled on insert or after it, on %s', (kind) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
  });
  afterAll(async () => db?.drop());

  async function source(name: string, sourceKind: string, rows: { key: string; status: string; cents: number; date: string }[]) {
    const s = await db.prisma.source.create({ data: { name, kind: sourceKind } });
    const version = await db.prisma.sourceProfileVersion.create({ data: { sourceId: s.id, version: 1, profile: '{}' } });
    const ingestion = await db.prisma.ingestion.create({ data: { sourceId: s.id, profileVersionId: version.id, channel: 'upload', status: 'committed', rowsValid: rows.length } });
    const base = { sourceId: s.id, profileVersionId: version.id, ingestionId: ingestion.id, dataset: 'payments', eventId: null, fileSha256: null, occurredAt: null, currency: 'USD', raw: null };
    await insertRecords(
      db.prisma,
      rows.map((r, i): RecordRow => ({ ...base, line: i + 2, key: r.key, txId: r.key, amountMinor: r.cents, status: r.status, code: r.status, date: r.date, attrs: JSON.stringify({ campaign: `C${i % 3}` }) })),
    );
    return s.id;
  }

  /** What a ledger holds, without ids, run ids and times: comparable between two ledgers. */
  async function ledger(runId: string) {
    const entries = await db.prisma.runResult.findMany({ where: { runId }, orderBy: { key: 'asc' } });
    const keyOf = new Map(entries.map((e) => [e.id, e.key]));
    const resolutions = await db.prisma.resolution.findMany({ where: { runId } });
    const audits = await entryAudits(db.prisma, runId, entries.map((e) => e.id));
    const history = await db.prisma.entryHistory.findMany({ where: { resultId: { in: entries.map((e) => e.id) } } });
    const counts = await db.prisma.ledgerCount.findMany({ where: { runId }, orderBy: [{ dim: 'asc' }, { value: 'asc' }], select: { dim: true, value: true, n: true } });
    const romi = await db.prisma.romiDaily.findMany({ where: { runId }, orderBy: [{ model: 'asc' }, { day: 'asc' }, { channel: 'asc' }, { campaign: 'asc' }, { currency: 'asc' }] });
    const byKey = <T>(rows: T[], key: (r: T) => string) => [...rows].sort((a, b) => key(a).localeCompare(key(b)));
    return {
      entries: entries.map(({ id: _id, runId: _run, updatedAt: _u, resolvedAt, changedAt: _c, ...e }) => ({ ...e, resolved: resolvedAt !== null })),
      resolutions: byKey(resolutions, (r) => keyOf.get(r.resultId)!).map((r) => ({ key: keyOf.get(r.resultId), action: r.action, params: paramsWithoutAuditId(r.params), reason: r.reason, auto: r.auto, actorId: r.actorId, before: r.before, after: r.after, version: r.version })),
      audits: byKey(audits, (a) => keyOf.get(a.resultId)!).map((a) => ({ key: keyOf.get(a.resultId), action: a.action, actorId: a.actorId, before: a.before, after: { ...a.after, runId: undefined, resolutionId: typeof a.after.resolutionId } })),
      history: byKey(history, (h) => keyOf.get(h.resultId)!).map((h) => ({ key: keyOf.get(h.resultId), change: h.change, factsBefore: h.factsBefore, factsAfter: h.factsAfter, reason: h.reason })),
      counts,
      romi: romi.map(({ id: _id, runId: _run, ...r }) => r),
    };
  }

  it('leaves the same entries, resolutions, audit rows, history, counts and ROMI figures either way', async () => {
    const key = (i: number) => `TX${String(i).padStart(6, '0')}`;
    const date = (i: number) => `2026-0${1 + (i % 9)}-1${i % 10}`;
    const statuses = ['Paid', 'Paid', 'Paid', 'Pending', 'Failed', 'Refunded'];
    const gatewayRows = Array.from({ length: KEYS }, (_, i) => ({ key: key(i), status: statuses[i % statuses.length]!, cents: 1000 + i, date: date(i) }));
    // The bank: most keys agree; every 5th says Pending, every 11th has another amount, every 13th is missing, and 30 are its own.
    const bankRows = gatewayRows
      .filter((_, i) => i % 13 !== 4)
      .map((r, i) => ({ ...r, status: i % 5 === 1 ? 'Pending' : r.status === 'Refunded' ? 'Paid' : r.status, cents: i % 11 === 2 ? r.cents + 7 : r.cents }));
    for (let i = 0; i < 30; i++) bankRows.push({ key: `${key(i * 50)}B`, status: 'Paid', cents: 500, date: date(i) });
    const gateway = await source('Gateway', 'gateway', gatewayRows);
    const bank = await source('Bank', 'bank', bankRows);
    const ruleSet = await ensureDefaultRuleSet(db.prisma);
    expect(ruleSet.autoRules.length).toBeGreaterThan(0);
    const fast = await createReconciliation({ name: 'Settled on insert', sourceIds: [gateway, bank], ruleSetName: ruleSet.name }, null, db.prisma);
    const slow = await createReconciliation({ name: 'Settled after insert', sourceIds: [gateway, bank], ruleSetName: ruleSet.name }, null, db.prisma);
    const deferring = await createReconciliation({ name: 'Indexes built after the fill', sourceIds: [gateway, bank], ruleSetName: ruleSet.name }, null, db.prisma);

    const t = performance.now();
    const a = await runLedgerPass(fast.id, { keys: null, trigger: 'person', db: db.prisma });
    const wall = performance.now() - t;
    const b = await runLedgerPass(slow.id, { keys: null, trigger: 'person', db: db.prisma, presettle: false });
    const counts = (p: typeof a) => ({ keysRead: p.keysRead, created: p.created, autoResolved: p.autoResolved, changed: p.changed, reopened: p.reopened });
    expect(counts(a)).toEqual(counts(b));
    expect(a.created).toBe(KEYS + 30);
    // The rules settled some entries and left others to a person: both paths were exercised.
    expect(a.autoResolved).toBeGreaterThan(KEYS / 3);
    expect(a.autoResolved).toBeLessThan(a.created);

    const [fa, sb] = [await ledger(fast.ledgerRunId), await ledger(slow.ledgerRunId)];
    expect(fa.resolutions).toHaveLength(a.autoResolved);
    expect(fa.audits).toHaveLength(a.autoResolved);
    // One audit row per thousand automatic decisions, not one per entry.
    expect(await db.prisma.auditLog.count({ where: { action: 'discrepancy.auto_resolve', entityId: fast.ledgerRunId } })).toBeLessThanOrEqual(Math.ceil(a.autoResolved / 1000) + 2);
    expect(fa.romi.length).toBeGreaterThan(0);
    expect(fa).toEqual(sb);
    await expectCountsMatchEntries(db.prisma, fast.ledgerRunId);

    // A fill that sets RunResult's secondary indexes aside (a large one does) and splits
    // its keys between two worker processes leaves the same ledger, and the same indexes as before it,
    // with nothing left recorded as set aside.
    const indexes = () => indexDefinitions(db);
    const before = await indexes();
    expect(before.length).toBeGreaterThanOrEqual(10);
    const c = await runLedgerPass(deferring.id, { keys: null, trigger: 'person', db: db.prisma, deferIndexes: true, workers: 2 });
    expect(c.workers).toBe(2);
    expect(counts(c)).toEqual(counts(a));
    expect(c.phases.indexes).toBeGreaterThanOrEqual(0);
    expect(a.phases.indexes).toBeUndefined();
    expect(await indexes()).toEqual(before);
    expect(await db.prisma.appSetting.count({ where: { key: { startsWith: 'deferred-index:' } } })).toBe(0);
    expect(await ledger(deferring.ledgerRunId)).toEqual(sb);

    // A second full pass over the fast ledger finds nothing changed: it reads as the slow one does.
    const again = await runLedgerPass(fast.id, { keys: null, trigger: 'person', db: db.prisma });
    expect(again).toMatchObject({ created: 0, changed: 0, reopened: 0, autoResolved: 0, unchanged: KEYS + 30 });

    // The phase timers account for the pass: every phase that did work is there, and they add up to the
    // time the call took (the ROMI build after the pass included).
    for (const phase of ['keys', 'records', 'engine', 'entries-read', 'entries', 'settlements', 'history', 'commit', 'totals', 'romi'] as const) expect(a.phases[phase], phase).toBeGreaterThanOrEqual(0);
    expect(a.phases.romi).toBeGreaterThan(0);
    if (kind === 'postgres') {
      // A full pass vacuums the records first (its key pages then read the index alone).
      const [stats] = await db.prisma.$queryRawUnsafe<{ vacuumed: boolean }[]>(`SELECT last_vacuum IS NOT NULL AS "vacuumed" FROM pg_stat_user_tables WHERE relname = 'SourceRecord'`);
      expect(stats?.vacuumed).toBe(true);
    }
    const sum = Object.values(a.phases).reduce((x, y) => x + y, 0);
    expect(Math.abs(sum - wall)).toBeLessThanOrEqual(Object.keys(a.phases).length + 10);
    // Nothing was created the second time: no entries, settlements or history were written.
    expect(again.phases.entries ?? 0).toBe(0);
    expect(again.phases.history).toBeUndefined();
  });
});
