/** The dashboard's query (URL parameters) and figures, read from the pre-aggregate only. */
import { z } from 'zod';
import { all, byChannel, byCampaign, byMonth, DEFAULT_MODEL, figuresBy, funnelOf, isModel, type AttributionModel, type Figures, type Funnel } from '@/lib/romi';
import { getPrisma } from '@/lib/server/db/client';
import { dashboardRun, romiDimensions, romiGrouped, sourceFreshness, type RomiRunInfo } from './romi-queries';
import { type DrillKind } from './drill-down';
import { dashboardCache, dashboardCacheEnabled, dashboardCacheKey } from './dashboard-cache';
import { minorToDecimal } from '@/lib/domain/money';
import { csvEscapeCell } from '@/lib/server/http/csv-safe';
import { drillDown } from './drill-down';
import { fxSettings, fxTableOf, missingRates, type FxSettings } from './fx';

type Client = ReturnType<typeof getPrisma>;

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional().catch(undefined);
const text = z.string().trim().min(1).max(200).optional().catch(undefined);

export const romiQuerySchema = z.object({
  from: day,
  to: day,
  channel: text,
  campaign: text,
  model: z.string().optional().transform((v): AttributionModel => (isModel(v) ? v : DEFAULT_MODEL)),
  run: text,
  kind: z.enum(['revenue', 'not_counted', 'deals', 'spend']).optional().catch(undefined),
});
export type RomiQuery = z.output<typeof romiQuerySchema>;

export function parseRomiQuery(params: URLSearchParams | Record<string, string | string[] | undefined>): RomiQuery {
  const obj: Record<string, string> = {};
  if (params instanceof URLSearchParams) params.forEach((v, k) => (obj[k] = v));
  else for (const [k, v] of Object.entries(params)) if (typeof v === 'string' && v) obj[k] = v;
  return romiQuerySchema.parse(obj);
}

/** A URL with the query's filters and some overrides (undefined or '' removes a parameter). */
export function romiHref(path: string, q: Partial<RomiQuery> & { kind?: DrillKind }, over: Partial<Record<keyof RomiQuery, string | undefined>> = {}): string {
  const p = new URLSearchParams();
  const merged: Record<string, string | undefined> = { from: q.from, to: q.to, channel: q.channel, campaign: q.campaign, model: q.model === DEFAULT_MODEL ? undefined : q.model, run: q.run, kind: q.kind, ...over };
  for (const [k, v] of Object.entries(merged)) if (v) p.set(k, v);
  const s = p.toString();
  return s ? `${path}?${s}` : path;
}

export type DashboardData = {
  run: RomiRunInfo;
  totals: Figures[];
  channels: { channel: string; figures: Figures[] }[];
  campaigns: { channel: string; campaign: string; figures: Figures[] }[];
  months: { month: string; figures: Figures[] }[];
  funnel: Funnel;
  dimensions: Awaited<ReturnType<typeof romiDimensions>>;
  freshness: Awaited<ReturnType<typeof sourceFreshness>>;
  /** Not yet counted across every channel and period (how final the figures are). */
  notCountedAll: Figures[];
  /** The reporting currency, the monthly rates the figures used and the months and currencies without one (kept apart). */
  fx: { base: string; used: { month: string; currency: string; rate: string }[]; missing: { month: string; currency: string }[] } | null;
};

/** The figures of one filter on one version of a run's aggregate: what the dashboard cache keeps. */
type DashboardFigures = Omit<DashboardData, 'run' | 'freshness'>;

async function dashboardFigures(run: RomiRunInfo, q: RomiQuery, db: Client, fxs: FxSettings): Promise<DashboardFigures> {
  const filter = { from: q.from, to: q.to, channel: q.channel, campaign: q.campaign };
  const fx = fxTableOf(fxs);
  // With a reporting currency the rows keep their day: each converts with its month's rate.
  const [grouped, dimensions, everything] = await Promise.all([
    romiGrouped(run.runId, q.model, filter, db, { daily: !!fx }),
    romiDimensions(run.runId, db),
    romiGrouped(run.runId, q.model, {}, db, { daily: !!fx }),
  ]);
  const rows = grouped.byChannelCampaign;
  const ch = figuresBy(rows, byChannel, fx).groups;
  const cp = figuresBy(rows, byCampaign, fx).groups;
  const mo = figuresBy(grouped.byDay, byMonth, fx).groups;
  const missing = missingRates(rows, fx);
  const used = fx ? fxs.rates.filter((r) => rows.some((x) => x.currency === r.currency && x.day.startsWith(r.month))) : [];
  return {
    fx: fx ? { base: fx.base, used, missing } : null,
    totals: figuresBy(rows, all, fx).groups.get('all') ?? [],
    channels: [...ch.entries()].map(([channel, figures]) => ({ channel, figures })).sort((a, b) => Number((b.figures[0]?.netRevenueMinor ?? 0n) - (a.figures[0]?.netRevenueMinor ?? 0n))),
    campaigns: [...cp.entries()].map(([k, figures]) => ({ channel: k.split('\u0000')[0]!, campaign: k.split('\u0000')[1]!, figures })).sort((a, b) => a.channel.localeCompare(b.channel) || a.campaign.localeCompare(b.campaign)),
    months: [...mo.entries()].map(([month, figures]) => ({ month, figures })).sort((a, b) => a.month.localeCompare(b.month)),
    funnel: funnelOf(rows),
    dimensions,
    notCountedAll: figuresBy(everything.byChannelCampaign, all, fx).groups.get('all') ?? [],
  };
}

/**
 * The dashboard's data. The run (and so the aggregate's data version) and the sources' freshness are
 * read on every call; the figures come from the dashboard cache (./dashboard-cache.ts) unless it is
 * turned off (`cache: false`, or PAIDLINE_DASHBOARD_CACHE=off). The returned figures may be shared with
 * other requests: do not mutate them.
 */
export async function dashboardData(q: RomiQuery, db: Client = getPrisma(), opts: { cache?: boolean } = {}): Promise<DashboardData | null> {
  const run = await dashboardRun(db, q.run);
  if (!run) return null;
  const fxs = await fxSettings(db);
  const figures =
    (opts.cache ?? dashboardCacheEnabled())
      ? dashboardCache<DashboardFigures>(db).getOrCompute(dashboardCacheKey(run, [q.model, q.from, q.to, q.channel, q.campaign, fxs.version]), () => dashboardFigures(run, q, db, fxs))
      : dashboardFigures(run, q, db, fxs);
  const [computed, freshness] = await Promise.all([figures, sourceFreshness(db)]);
  return { run, ...computed, freshness };
}

export const DRILL_TITLES: Record<DrillKind, string> = {
  revenue: 'Reconciled paid revenue',
  not_counted: 'Not yet counted',
  deals: 'Leads and deals',
  spend: 'Marketing spend',
};


/** The rows behind a figure as CSV lines (header first), streamed page by page; cells are formula-safe. */
export async function* drillCsv(runId: string, q: RomiQuery, kind: DrillKind, db: Client = getPrisma()): AsyncGenerator<string> {
  const line = (cells: (string | number | null)[]) => `${cells.map((c) => csvEscapeCell(c === null ? '' : String(c))).join(',')}\r\n`;
  const filter = { from: q.from, to: q.to, channel: q.channel, campaign: q.campaign };
  if (kind === 'revenue' || kind === 'not_counted') yield line(['transaction', 'date', 'state', 'final_status', 'amount', 'currency', 'channel', 'campaign', 'attribution_weight', 'credited_amount', 'deal', 'attribution_model']);
  else if (kind === 'deals') yield line(['deal', 'created', 'stage', 'source', 'customer', 'channel', 'campaign', 'attribution_weight', 'attribution_model']);
  else yield line(['date', 'source', 'channel', 'campaign', 'amount', 'currency']);
  let after: number | undefined;
  for (;;) {
    const page = await drillDown(runId, q.model, kind, filter, { db, take: 1000, after });
    for (const p of page.payments) yield line([p.key, p.date, p.state, p.finalStatus, minorToDecimal(p.amountMinor, p.currency), p.currency, p.channel, p.campaign, (p.weightPpm / 1_000_000).toString(), minorToDecimal(p.creditedMinor, p.currency), p.dealKey, q.model]);
    for (const d of page.deals) yield line([d.key, d.date, d.status, d.source, d.customer, d.channel, d.campaign, (d.weightPpm / 1_000_000).toString(), q.model]);
    for (const s of page.spend) yield line([s.date, s.source, s.channel, s.campaign, minorToDecimal(s.amountMinor, s.currency), s.currency]);
    if (page.next === null) return;
    after = page.next;
  }
}
