/**
 * Every data-quality figure on fixed data (quality-fixtures.ts), on SQLite and PostgreSQL,
 * with the expected values worked out here by hand.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { automaticShare, backlogByAge, driftEvents, monthlyReport, openRisks, parseQualityQuery, qualityData, qualityRun, reasonsOf, resolutionTimes, runRates, sourceFreshness, unmappedCodesOf } from '@/lib/features/quality/queries';
import { figureCsv } from '@/lib/features/quality/export';
import { parseMonth } from '@/lib/features/quality/month';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';
import { NOW, seedQualityFixture, type QualityFixture } from './quality-fixtures';

const MIN = 60_000;
const HOUR = 60 * MIN;

describe.each(DATABASE_KINDS)('data-quality figures on %s', (kind) => {
  let db: TestDatabase;
  let f: QualityFixture;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
    f = await seedQualityFixture(db.prisma);
  });
  afterAll(async () => db?.drop());

  it('rates each completed run and names its pair of systems', async () => {
    const runs = await runRates({ db: db.prisma });
    // Oldest first; the failed run is left out.
    expect(runs.map((r) => [r.runId, r.pair, r.discrepancies, r.rate])).toEqual([
      [f.runA, 'Bank ↔ Gateway', 5, 0.25], // (20 - 15) / 20
      [f.runB, 'Bank ↔ Gateway', 6, 0.75], // (8 - 2) / 8
      [f.runC, 'Card gateway ↔ ERP ↔ Operating bank', 0, 0],
    ]);
    const since = await runRates({ db: db.prisma, since: new Date('2026-03-05T00:00:00Z') });
    expect(since.map((r) => r.runId)).toEqual([f.runB, f.runC]);
  });

  it('picks the newest completed run unless one is asked for, and reads its reasons and unmapped codes', async () => {
    expect((await qualityRun(undefined, db.prisma))?.id).toBe(f.runC);
    expect((await qualityRun(f.runFailed, db.prisma))?.id).toBe(f.runC); // a failed run has no figures
    const a = await qualityRun(f.runA, db.prisma);
    expect(a?.pair).toBe('Bank ↔ Gateway');
    expect(reasonsOf(a!.summary)).toEqual([
      { reason: 'status', count: 3 }, { reason: 'amount', count: 2 }, { reason: 'currency', count: 0 }, { reason: 'date', count: 1 }, { reason: 'unknown_status', count: 4 },
    ]);
    // Most frequent first, then by source and code.
    expect(unmappedCodesOf(a!.summary)).toEqual([
      { source: 'Gateway', code: 'X9', count: 3 },
      { source: 'Bank', code: 'AB', count: 1 },
      { source: 'Bank', code: 'ZZ', count: 1 },
    ]);
    expect(reasonsOf(null)).toEqual([]);
  });

  it('works out median and p90 resolution time per severity in the database', async () => {
    const bySeverity = await resolutionTimes('severity', { db: db.prisma });
    const s = Object.fromEntries(bySeverity.map((g) => [g.group, g]));
    // critical: 1 h, 2 h, 4 h, 10 h. Median at h = 3 * 0.5 = 1.5: 2 + 0.5 * (4 - 2) = 3 h.
    // p90 at h = 3 * 0.9 = 2.7: 4 + 0.7 * (10 - 4) = 8.2 h.
    expect(s.critical).toMatchObject({ count: 4, medianMs: 3 * HOUR });
    expect(s.critical!.p90Ms).toBeCloseTo(8.2 * HOUR, 3);
    // warning: 30 and 90 min by people (the automatic 5 min decision, the assignment, the escalation and
    // the undone decision do not count). Median (30 + 90) / 2 = 60 min; p90 at h = 0.9: 30 + 0.9 * 60 = 84 min.
    expect(s.warning).toMatchObject({ count: 2, medianMs: 60 * MIN });
    expect(s.warning!.p90Ms).toBeCloseTo(84 * MIN, 3);
    expect(Object.keys(s).sort()).toEqual(['critical', 'warning']);
  });

  it('works out median and p90 resolution time per reviewer; automatic decisions are not anybody\'s time', async () => {
    const byReviewer = Object.fromEntries((await resolutionTimes('reviewer', { db: db.prisma })).map((g) => [g.group, g]));
    // alice: 30 min, 1 h, 2 h -> median 1 h; p90 at 1.8: 1 h + 0.8 * 1 h = 1.8 h.
    expect(byReviewer[f.alice]).toMatchObject({ count: 3, medianMs: HOUR });
    expect(byReviewer[f.alice]!.p90Ms).toBeCloseTo(1.8 * HOUR, 3);
    // bob: 90 min, 4 h, 10 h -> median 4 h; p90: 4 h + 0.8 * 6 h = 8.8 h.
    expect(byReviewer[f.bob]).toMatchObject({ count: 3, medianMs: 4 * HOUR });
    expect(byReviewer[f.bob]!.p90Ms).toBeCloseTo(8.8 * HOUR, 3);
    expect(Object.keys(byReviewer).sort()).toEqual([f.alice, f.bob]);
  });

  it('limits resolution figures to decisions since a date', async () => {
    const since = new Date('2026-03-01T03:00:00Z');
    // Only bob's 4 h and 10 h decisions are at or after 03:00: median (4 + 10) / 2 = 7 h, p90 4 + 0.9 * 6 = 9.4 h.
    const s = await resolutionTimes('severity', { db: db.prisma, since });
    expect(s).toHaveLength(1);
    expect(s[0]).toMatchObject({ group: 'critical', count: 2, medianMs: 7 * HOUR });
    expect(s[0]!.p90Ms).toBeCloseTo(9.4 * HOUR, 3);
    expect(await automaticShare({ db: db.prisma, since })).toEqual({ automatic: 0, manual: 2, share: 0 });
  });

  it('counts the share resolved automatically', async () => {
    // 7 settling decisions, 1 of them automatic.
    expect(await automaticShare({ db: db.prisma })).toEqual({ automatic: 1, manual: 6, share: 1 / 7 });
  });

  it('buckets the open backlog of a run by age', async () => {
    const buckets = await backlogByAge(f.runA, { db: db.prisma, now: NOW });
    expect(buckets.map((b) => [b.id, b.count])).toEqual([
      ['d0_7', 2], // 2026-03-30 (1 day), 2026-03-24 (7 days)
      ['d8_30', 1], // 2026-03-01 (30 days)
      ['d31_90', 0],
      ['d90plus', 1], // 2025-12-01 (120 days)
      ['no_date', 1],
    ]);
    expect((await backlogByAge(f.runB, { db: db.prisma, now: NOW })).reduce((s, b) => s + b.count, 0)).toBe(1);
  });

  it('counts drift events per source and kind, newest first', async () => {
    const all = await driftEvents({ db: db.prisma });
    expect(all.total).toBe(4);
    expect(all.counts).toEqual([
      { source: 'Bank', kind: 'new_columns', severity: 'warning', count: 1 },
      { source: 'Gateway', kind: 'missing_columns', severity: 'blocking', count: 1 },
      { source: 'Gateway', kind: 'unknown_status', severity: 'warning', count: 2 },
    ]);
    expect(all.events.map((e) => e.kind)).toEqual(['missing_columns', 'unknown_status', 'unknown_status', 'new_columns']);
    const march = await driftEvents({ db: db.prisma, since: new Date('2026-03-01T00:00:00Z') });
    expect(march.total).toBe(3);
  });

  it('says when each active source last delivered and whether it is stale', async () => {
    const rows = await sourceFreshness({ db: db.prisma, now: NOW });
    const by = Object.fromEntries(rows.map((r) => [r.name, r]));
    expect(Object.keys(by).sort()).toEqual(['Bank', 'Gateway', 'Quiet', 'Stripe']); // 'Old' is archived
    // Gateway: the newest committed upload (00:00), not the failed one at 11:00 -> 12 h, fresh.
    expect(by.Gateway).toMatchObject({ last: new Date('2026-03-31T00:00:00Z'), ageHours: 12, status: 'fresh', lastPull: null, lastWebhook: null });
    // Bank: last successful pull 2026-03-29 06:00 (after the committed pull ingestion of 03-28) -> 48 h + 6 h = 54 h > 48 h, stale.
    expect(by.Bank).toMatchObject({ lastPull: new Date('2026-03-29T06:00:00Z'), ageHours: 54, status: 'stale' });
    // Stripe: the newest webhook at 10:00 -> 2 h.
    expect(by.Stripe).toMatchObject({ lastWebhook: new Date('2026-03-31T10:00:00Z'), ageHours: 2, status: 'fresh' });
    expect(by.Quiet).toMatchObject({ last: null, ageHours: null, status: 'never' });
  });
  it('limits figures to a window (the monthly report): since inclusive, until exclusive', async () => {
    const since = new Date('2026-03-01T00:00:00Z');
    const until = new Date('2026-03-01T01:30:00Z');
    // Decisions before 01:30: auto 5 min, alice 30 min, alice 1 h (bob's 90 min is at 01:30, excluded).
    const s = Object.fromEntries((await resolutionTimes('severity', { db: db.prisma, since, until })).map((g) => [g.group, g]));
    expect(s.critical).toMatchObject({ count: 1, medianMs: HOUR, p90Ms: HOUR });
    expect(s.warning).toMatchObject({ count: 1, medianMs: 30 * MIN, p90Ms: 30 * MIN });
    expect(await automaticShare({ db: db.prisma, since, until })).toEqual({ automatic: 1, manual: 2, share: 1 / 3 });
    expect((await runRates({ db: db.prisma, since: new Date('2026-03-01T00:00:00Z'), until: new Date('2026-03-12T00:00:00Z') })).map((r) => r.runId)).toEqual([f.runB]);
    expect((await driftEvents({ db: db.prisma, since, until: new Date('2026-03-06T00:00:00Z') })).total).toBe(1);
  });

  it('sums the open risks of a run per severity', async () => {
    // Open, in review and escalated rows of run A at 10.00 each: critical K8; warning K9, K10, K12; info K11.
    expect(await openRisks(f.runA, db.prisma)).toEqual([
      { severity: 'critical', currency: 'USD', count: 1, amountMinor: 1000n },
      { severity: 'warning', currency: 'USD', count: 3, amountMinor: 3000n },
      { severity: 'info', currency: 'USD', count: 1, amountMinor: 1000n },
    ]);
  });

  it('exports each figure as the CSV the page links to', async () => {
    const data = await qualityData(parseQualityQuery({ period: 'all', run: f.runA }), { db: db.prisma, now: NOW });
    // 3 h = 3, 8.2 h = 8.2; 60 min = 1 h, 84 min = 1.4 h.
    expect(figureCsv('resolution-severity', data)).toBe('severity,decisions,median_hours,p90_hours\r\ncritical,4,3,8.2\r\nwarning,2,1,1.4\r\n');
    expect(figureCsv('backlog', data).split('\r\n')).toEqual(['run_id,age,open_discrepancies', `${f.runA},0–7 days,2`, `${f.runA},8–30 days,1`, `${f.runA},31–90 days,0`, `${f.runA},Over 90 days,1`, `${f.runA},No date,1`, '']);
    expect(figureCsv('automatic', data)).toBe('automatic,manual,automatic_share\r\n1,6,0.1429\r\n');
    expect(figureCsv('runs', data).split('\r\n')[1]).toBe(`${f.runA},2026-02-28T23:00:00.000Z,2026-03-01T00:00:00.000Z,Bank ↔ Gateway,20,15,3,1,1,5,0.2500`);
    expect(parseQualityQuery({ period: 'forever', run: 'x;drop' })).toEqual({ period: '90' });
  });
  it('assembles the monthly report from the same figures', async () => {
    const r = await monthlyReport(parseMonth('2026-03')!, { db: db.prisma, now: NOW });
    // Runs created in March: B (8 keys, 6 disagree) and C (5 keys, none); A started on 28 February.
    expect(r.health.runs.map((x) => x.runId)).toEqual([f.runB, f.runC]);
    expect(r.health).toMatchObject({ keys: 13, discrepancies: 6, rate: 6 / 13 });
    // Every decision fell on 1 March: the all-time figures.
    expect(r.health.automatic).toEqual({ automatic: 1, manual: 6, share: 1 / 7 });
    expect(r.health.bySeverity.map((g) => [g.group, g.count, g.medianMs])).toEqual([['critical', 4, 3 * HOUR], ['warning', 2, 60 * MIN]]);
    // Risks as of now, on the newest completed run (C: nothing open).
    expect(r.risks.run?.id).toBe(f.runC);
    expect(r.risks.open).toEqual([]);
    expect(r.risks.stale.map((s) => s.name).sort()).toEqual(['Bank', 'Quiet']);
    expect(r.risks).toMatchObject({ drift: 3, blockingDrift: 1 });
    // No ROMI pre-aggregate in this fixture: the report says so rather than inventing figures.
    expect(r.romi).toBeNull();
    const feb = await monthlyReport(parseMonth('2026-02')!, { db: db.prisma, now: NOW });
    expect(feb.health.runs.map((x) => x.runId)).toEqual([f.runA]);
    expect(feb.health.automatic.share).toBeNull();
  });
});
