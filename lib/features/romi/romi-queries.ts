/**
 * ROMI storage: builds a run's pre-aggregate (RomiDaily, RomiCredit, RomiBuild) from its reconciled
 * rows, the CRM's deals and the ad platforms' spend; keeps it current when a resolution changes a
 * row; and answers the dashboard and its drill-downs from the pre-aggregate, never from raw rows.
 */
import { getPrisma, type DbClient as Client } from '@/lib/server/db/client';
import { type AttributionModel, type DailyRow, type RomiFilter } from '@/lib/romi';
import { sourceFreshness as sourceFreshnessOf } from '@/lib/features/alerts/source-freshness';

// ---------------------------------------------------------------------------------------------
// Reading

/** `builtAt` and `revision` together are the version of the run's aggregate (lib/features/romi/dashboard-cache.ts). */
export type RomiRunInfo = {
  runId: string;
  runCreatedAt: Date;
  builtAt: Date;
  revision: number;
  joinField: string;
  linkedPayments: number;
  payments: number;
  /** Set when the figures come from a reconciliation's ledger (docs/ledger.md): its name and newest pass. */
  ledger: { reconciliationId: string; name: string; lastPassAt: Date | null } | null;
};

/**
 * What the dashboard reports on. A reconciliation's ledger first (always current: new data reconciles
 * into it), the one whose figures link payments to deals, the most recently reconciled first; without
 * a ledger, the newest completed run with a pre-aggregate that links payments to deals, else the
 * newest completed run with one (a run of payment systems only would report everything unattributed).
 */
export async function dashboardRun(db: Client = getPrisma(), runId?: string | null): Promise<RomiRunInfo | null> {
  const builds = await db.romiBuild.findMany({ where: runId ? { runId } : {}, orderBy: { builtAt: 'desc' }, take: 50 });
  if (!builds.length) return null;
  const runs = await db.run.findMany({
    where: { id: { in: builds.map((b) => b.runId) }, status: 'completed' },
    select: { id: true, createdAt: true, kind: true, reconciliation: { select: { id: true, name: true, lastPassAt: true, archivedAt: true } } },
  });
  const byId = new Map(runs.map((r) => [r.id, r]));
  const recency = (id: string) => {
    const r = byId.get(id)!;
    return (r.reconciliation?.lastPassAt ?? r.createdAt).getTime();
  };
  const usable = builds.filter((b) => byId.has(b.runId) && !byId.get(b.runId)!.reconciliation?.archivedAt).sort((a, b) => recency(b.runId) - recency(a.runId));
  const ledgers = usable.filter((b) => byId.get(b.runId)!.kind === 'ledger');
  const pick = ledgers.find((b) => b.linkedPayments > 0) ?? ledgers[0] ?? usable.find((b) => b.linkedPayments > 0) ?? usable[0];
  if (!pick) return null;
  const run = byId.get(pick.runId)!;
  return {
    runId: pick.runId,
    runCreatedAt: run.createdAt,
    builtAt: pick.builtAt,
    revision: pick.revision,
    joinField: pick.joinField,
    linkedPayments: pick.linkedPayments,
    payments: pick.payments,
    ledger: run.kind === 'ledger' && run.reconciliation ? { reconciliationId: run.reconciliation.id, name: run.reconciliation.name, lastPassAt: run.reconciliation.lastPassAt } : null,
  };
}

/** The pre-aggregated rows of a run for one model and filter: the only table the dashboard reads. */
export async function romiDailyRows(runId: string, model: AttributionModel, f: RomiFilter, db: Client = getPrisma()): Promise<DailyRow[]> {
  const rows = await db.romiDaily.findMany({
    where: {
      runId,
      model,
      ...(f.channel ? { channel: f.channel } : {}),
      ...(f.campaign ? { campaign: f.campaign } : {}),
      ...(f.from || f.to ? { day: { ...(f.from ? { gte: f.from } : {}), ...(f.to ? { lte: f.to } : {}) } } : {}),
    },
    select: { day: true, channel: true, campaign: true, currency: true, revenueMinor: true, refundMinor: true, notCountedMinor: true, spendMinor: true, leadsMilli: true, dealsMilli: true, paidDealsMilli: true, paidTx: true },
  });
  return rows.map((r) => ({ ...r, model }));
}

const SUMS = { revenueMinor: true, refundMinor: true, notCountedMinor: true, spendMinor: true, leadsMilli: true, dealsMilli: true, paidDealsMilli: true, paidTx: true } as const;

function dailyWhere(runId: string, model: AttributionModel, f: RomiFilter) {
  return {
    runId,
    model,
    ...(f.channel ? { channel: f.channel } : {}),
    ...(f.campaign ? { campaign: f.campaign } : {}),
    ...(f.from || f.to ? { day: { ...(f.from ? { gte: f.from } : {}), ...(f.to ? { lte: f.to } : {}) } } : {}),
  };
}

type Sums = { [K in keyof typeof SUMS]: K extends `${string}Minor` ? bigint | null : number | null };
function fromSums(model: AttributionModel, key: { day?: string; channel?: string; campaign?: string; currency: string }, s: Sums): DailyRow {
  return {
    model,
    day: key.day ?? '',
    channel: key.channel ?? '',
    campaign: key.campaign ?? '',
    currency: key.currency,
    revenueMinor: s.revenueMinor ?? 0n,
    refundMinor: s.refundMinor ?? 0n,
    notCountedMinor: s.notCountedMinor ?? 0n,
    spendMinor: s.spendMinor ?? 0n,
    leadsMilli: s.leadsMilli ?? 0,
    dealsMilli: s.dealsMilli ?? 0,
    paidDealsMilli: s.paidDealsMilli ?? 0,
    paidTx: s.paidTx ?? 0,
  };
}

/**
 * The pre-aggregate summed in the database, for the dashboard: per (channel, campaign, currency) for
 * the tables, KPIs and funnel, and per (day, currency) for the trend. Rows carry '' for the dimension
 * they were summed over.
 */
export async function romiGrouped(runId: string, model: AttributionModel, f: RomiFilter, db: Client = getPrisma(), opts: { /** Keep the day (monthly FX rates convert by it). */ daily?: boolean } = {}) {
  const where = dailyWhere(runId, model, f);
  const [byCc, byDay] = await Promise.all([
    opts.daily ? db.romiDaily.groupBy({ by: ['channel', 'campaign', 'currency', 'day'], where, _sum: SUMS }) : db.romiDaily.groupBy({ by: ['channel', 'campaign', 'currency'], where, _sum: SUMS }),
    db.romiDaily.groupBy({ by: ['day', 'currency'], where: { ...where, day: { ...(where.day ?? {}), gt: '0000-00-00' } }, _sum: SUMS }),
  ]);
  return {
    byChannelCampaign: byCc.map((g) => fromSums(model, g, g._sum as Sums)),
    byDay: byDay.map((g) => fromSums(model, g, g._sum as Sums)),
  };
}

/** Channels and campaigns present in a run's aggregate (for the filters). */
export async function romiDimensions(runId: string, db: Client = getPrisma()) {
  const rows = await db.romiDaily.groupBy({ by: ['channel', 'campaign'], where: { runId, model: 'last_touch' } });
  const days = await db.romiDaily.aggregate({ where: { runId, model: 'last_touch', day: { gt: '0000-00-00' } }, _min: { day: true }, _max: { day: true } });
  return { pairs: rows.map((r) => ({ channel: r.channel, campaign: r.campaign })), firstDay: days._min.day, lastDay: days._max.day };
}

/** When each source last delivered, and whether it is behind: how final the figures are (the one freshness query). */
export function sourceFreshness(db: Client = getPrisma(), now = new Date()) {
  return sourceFreshnessOf({ db, now });
}
