import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';
import { makeActor } from './review-fixtures';
import { seedDemoData } from '@/lib/demo/seed-data';
import { dashboardRun, romiDailyRows } from '@/lib/features/romi/romi-queries';
import { drillDown } from '@/lib/features/romi/drill-down';
import { rebuildRomi } from '@/lib/features/romi/rebuild-romi';
import { reconciledPaidTotals } from '@/lib/features/review/reconciled-state';
import { resolveDiscrepancy, undoResolution } from '@/lib/features/review/resolve';
import { ATTRIBUTION_MODELS, byChannel, creditModelsOf, EVERY_MODEL, figuresBy, type DailyRow } from '@/lib/romi';
import { dashboardData, parseRomiQuery, type DashboardData } from '@/lib/features/romi/dashboard';
import { dashboardCache, resetDashboardCache } from '@/lib/features/romi/dashboard-cache';

const sortRows = (rows: DailyRow[]) =>
  rows.map((r) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))).sort();

describe.each(DATABASE_KINDS)('ROMI pre-aggregate on %s', (kind) => {
  let t: TestDatabase;
  let runId: string;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
    const seeded = await seedDemoData(t.prisma, { romi: true });
    runId = seeded.romiRunId!;
  });
  afterAll(async () => t?.drop());

  const channelFigures = async (channel: string) => {
    const rows = await romiDailyRows(runId, 'last_touch', { channel }, t.prisma);
    return figuresBy(rows, byChannel).groups.get(channel)!.find((f) => f.currency === 'USD')!;
  };

  it('is built when the run completes, and its net revenue equals the reconciled Paid rows counted independently', async () => {
    expect((await dashboardRun(t.prisma))?.runId).toBe(runId);
    const rows = await romiDailyRows(runId, 'last_touch', {}, t.prisma);
    const net = rows.reduce((s, r) => s + r.revenueMinor - r.refundMinor, 0n);
    // The demo has no refund transactions of their own: refunded payments net to zero, so the net equals the Paid rows.
    expect(net).toBe((await reconciledPaidTotals({ runId, db: t.prisma })).USD);
    expect(rows.reduce((s, r) => s + r.spendMinor, 0n)).toBeGreaterThan(0n);
    // Every model attributes the same total.
    for (const model of ['first_touch', 'linear'] as const) {
      const other = await romiDailyRows(runId, model, {}, t.prisma);
      expect(other.reduce((s, r) => s + r.revenueMinor - r.refundMinor, 0n)).toBe(net);
      expect(other.reduce((s, r) => s + r.leadsMilli, 0)).toBe(rows.reduce((s, r) => s + r.leadsMilli, 0));
    }
  });

  it('traces every figure to its rows under every model, credits stored once where the models agree', async () => {
    // Unattributed payments, one-touch deals and spend are stored once for every model; multi-touch deals per model.
    expect(await t.prisma.romiCredit.count({ where: { runId, model: EVERY_MODEL, kind: 'spend' } })).toBeGreaterThan(0);
    expect(await t.prisma.romiCredit.count({ where: { runId, model: { not: EVERY_MODEL }, kind: 'spend' } })).toBe(0);
    for (const model of ATTRIBUTION_MODELS) {
      const rows = await romiDailyRows(runId, model, {}, t.prisma);
      const channels = [...new Set(rows.map((r) => r.channel))];
      expect(channels.length).toBeGreaterThan(1);
      for (const channel of channels) {
        const mine = rows.filter((r) => r.channel === channel);
        const drill = (k: 'revenue' | 'not_counted' | 'deals' | 'spend') => drillDown(runId, model, k, { channel }, { db: t.prisma, take: 100_000 });
        expect((await drill('spend')).spend.reduce((s, x) => s + x.amountMinor, 0n)).toBe(mine.reduce((s, r) => s + r.spendMinor, 0n));
        expect((await drill('deals')).deals.reduce((s, x) => s + x.weightPpm, 0) / 1000).toBe(mine.reduce((s, r) => s + r.leadsMilli, 0));
        expect((await drill('revenue')).payments.reduce((s, x) => s + x.creditedMinor, 0n)).toBe(mine.reduce((s, r) => s + r.revenueMinor - r.refundMinor, 0n));
        expect((await drill('not_counted')).payments.reduce((s, x) => s + x.creditedMinor, 0n)).toBe(mine.reduce((s, r) => s + r.notCountedMinor, 0n));
      }
    }
  });

  it('follows resolutions exactly: Paid adds the amount to the channel, undo removes it, Failed never counts', async () => {
    const reviewer = await makeActor(t.prisma, 'reviewer');
    // An open card payment the bank failed, linked to a deal.
    const candidates = await t.prisma.runResult.findMany({ where: { runId, state: 'open', statuses: { contains: 'Operating bank:Failed' } }, select: { id: true, version: true, amountMinor: true, key: true } });
    let row: (typeof candidates)[number] | undefined;
    let channel = '';
    for (const c of candidates) {
      const credit = await t.prisma.romiCredit.findFirst({ where: { runId, model: { in: creditModelsOf('last_touch') }, kind: 'payment', ref: c.id } });
      if (credit && credit.channel !== 'Unattributed') {
        row = c;
        channel = credit.channel;
        break;
      }
    }
    expect(row).toBeDefined();
    const before = await channelFigures(channel);
    await resolveDiscrepancy(row!.id, row!.version, { action: 'accept_source', source: 'Card gateway', reason: 'Gateway shows it captured' }, reviewer, t.prisma);
    const paid = await channelFigures(channel);
    expect(paid.netRevenueMinor - before.netRevenueMinor).toBe(row!.amountMinor);
    expect(before.notCountedMinor - paid.notCountedMinor).toBe(row!.amountMinor);
    expect(paid.paidTx - before.paidTx).toBe(1);
    const drill = await drillDown(runId, 'last_touch', 'revenue', { channel }, { db: t.prisma, take: 10_000 });
    expect(drill.payments.map((p) => p.key)).toContain(row!.key);
    expect(drill.payments.reduce((s, p) => s + p.creditedMinor, 0n)).toBe(paid.netRevenueMinor);

    // The incremental update equals a full rebuild.
    const incremental = sortRows(await romiDailyRows(runId, 'linear', {}, t.prisma));

    await undoResolution(row!.id, reviewer, { db: t.prisma });
    const undone = await channelFigures(channel);
    expect(undone.netRevenueMinor).toBe(before.netRevenueMinor);
    expect(undone.notCountedMinor).toBe(before.notCountedMinor);
    expect(undone.paidDeals).toBe(before.paidDeals);

    const fresh = await t.prisma.runResult.findUniqueOrThrow({ where: { id: row!.id }, select: { version: true } });
    await resolveDiscrepancy(row!.id, fresh.version, { action: 'accept_source', source: 'Operating bank', reason: 'Bank returned it' }, reviewer, t.prisma);
    const failed = await channelFigures(channel);
    expect(failed.netRevenueMinor).toBe(before.netRevenueMinor);
    expect(before.notCountedMinor - failed.notCountedMinor).toBe(row!.amountMinor);

    const afterFailed = sortRows(await romiDailyRows(runId, 'linear', {}, t.prisma));
    await rebuildRomi(runId, { db: t.prisma });
    const rebuilt = sortRows(await romiDailyRows(runId, 'linear', {}, t.prisma));
    // Rows that net to zero may linger after increments; compare the non-zero ones.
    const nonZero = (rows: string[]) => rows.filter((r) => /"(revenueMinor|refundMinor|notCountedMinor|spendMinor)":"[1-9-]|"(leadsMilli|dealsMilli|paidDealsMilli|paidTx)":[1-9-]/.test(r));
    expect(nonZero(afterFailed)).toEqual(nonZero(rebuilt));
    expect(incremental.length).toBeGreaterThan(0);
  });

  it('serves the dashboard from its cache only while the data version holds: a resolution, its undo and a rebuild show at once', async () => {
    resetDashboardCache();
    const reviewer = await makeActor(t.prisma, 'reviewer');
    // Freshness is read on every request (and ages with the clock): compare the rest.
    const figures = ({ freshness: _f, ...rest }: DashboardData) => rest;
    const queries = [parseRomiQuery({}), parseRomiQuery({ channel: 'Google Ads', model: 'linear' })];
    const check = async () => {
      const out = [];
      for (const q of queries) {
        const cached = figures((await dashboardData(q, t.prisma, { cache: true }))!);
        expect(cached).toEqual(figures((await dashboardData(q, t.prisma, { cache: false }))!));
        out.push(cached);
      }
      return out;
    };
    const cache = dashboardCache(t.prisma);
    const first = await check();
    const misses = cache.misses;
    expect(await check()).toEqual(first);
    expect(cache.misses).toBe(misses); // answered from the cache

    const open = await t.prisma.runResult.findMany({ where: { runId, state: 'open' }, select: { id: true, version: true, amountMinor: true }, orderBy: { id: 'asc' } });
    let row: (typeof open)[number] | undefined;
    for (const c of open) {
      if (await t.prisma.romiCredit.findFirst({ where: { runId, model: 'last_touch', kind: 'payment', ref: c.id, channel: 'Google Ads' } })) {
        row = c;
        break;
      }
    }
    expect(row).toBeDefined();
    await resolveDiscrepancy(row!.id, row!.version, { action: 'accept_source', source: 'Card gateway', reason: 'Captured' }, reviewer, t.prisma);
    const resolved = await check();
    expect(resolved[0]!.run.revision).toBeGreaterThan(first[0]!.run.revision);
    expect(resolved[0]!.totals[0]!.notCountedMinor).toBe(first[0]!.totals[0]!.notCountedMinor - row!.amountMinor);

    await undoResolution(row!.id, reviewer, { db: t.prisma });
    const undone = await check();
    expect(undone.map(({ run: _r, ...rest }) => rest)).toEqual(first.map(({ run: _r, ...rest }) => rest));

    await rebuildRomi(runId, { db: t.prisma });
    const rebuilt = await check();
    expect(rebuilt[0]!.run.builtAt.getTime()).toBeGreaterThan(first[0]!.run.builtAt.getTime());
    expect(rebuilt[0]!.run.revision).toBe(0);
  });

  it('takes rebuilds of one run one at a time: concurrent rebuilds and a resolution during them all succeed, with one rebuild\'s figures', async () => {
    const daily = async () => sortRows(await romiDailyRows(runId, 'linear', {}, t.prisma));
    await rebuildRomi(runId, { db: t.prisma });
    const once = await daily();
    const credits = await t.prisma.romiCredit.count({ where: { runId } });
    // A background job's rebuild (new deals), a settings save's and a person's, at the same moment.
    const results = await Promise.allSettled([1, 2, 3, 4].map(() => rebuildRomi(runId, { db: t.prisma })));
    expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
    expect(await daily()).toEqual(once);
    expect(await t.prisma.romiCredit.count({ where: { runId } })).toBe(credits);
    expect(await t.prisma.romiBuild.count({ where: { runId } })).toBe(1);

    // A reviewer's decision while rebuilds run: it lands before or after them, never lost or counted twice.
    const reviewer = await makeActor(t.prisma, 'reviewer');
    const open = await t.prisma.runResult.findFirstOrThrow({ where: { runId, state: 'open', statuses: { contains: 'Operating bank:Failed' } }, select: { id: true, version: true, amountMinor: true } });
    const net = async () => (await romiDailyRows(runId, 'last_touch', {}, t.prisma)).reduce((s, r) => s + r.revenueMinor - r.refundMinor, 0n);
    const before = await net();
    const raced = await Promise.allSettled([
      rebuildRomi(runId, { db: t.prisma }),
      resolveDiscrepancy(open.id, open.version, { action: 'accept_source', source: 'Card gateway', reason: 'Gateway shows it captured' }, reviewer, t.prisma),
      rebuildRomi(runId, { db: t.prisma }),
    ]);
    expect(raced.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
    expect((await net()) - before).toBe(open.amountMinor);
    await undoResolution(open.id, reviewer, { db: t.prisma });
    expect(await net()).toBe(before);
  });

  it('joins payments to deals by the configured field', async () => {
    const byEmail = await rebuildRomi(runId, { db: t.prisma, join: { payment: 'email', deal: 'email' } });
    const byRef = await rebuildRomi(runId, { db: t.prisma, join: { payment: 'paymentRef', deal: 'paymentRef' } });
    const byDeal = await rebuildRomi(runId, { db: t.prisma, join: { payment: 'dealId', deal: 'dealId' } });
    // Each demo deal has its own buyer e-mail and payment reference; the payments carry no deal id.
    expect(byEmail.linkedPayments).toBe(byRef.linkedPayments);
    expect(byRef.linkedPayments).toBeGreaterThan(100);
    expect(byDeal.linkedPayments).toBe(0);
    await rebuildRomi(runId, { db: t.prisma });
  });
});
