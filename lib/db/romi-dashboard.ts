/** The dashboard's query (URL parameters) and figures, read from the pre-aggregate only. */
import { z } from 'zod';
import { all, byChannel, byCampaign, byMonth, DEFAULT_MODEL, figuresBy, funnelOf, isModel, type AttributionModel, type Figures, type Funnel } from '@/lib/romi';
import { getPrisma } from './client';
import { dashboardRun, romiDailyRows, romiDimensions, sourceFreshness, type DrillKind, type RomiRunInfo } from './romi';

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
};

export async function dashboardData(q: RomiQuery, db: Client = getPrisma()): Promise<DashboardData | null> {
  const run = await dashboardRun(db, q.run);
  if (!run) return null;
  const filter = { from: q.from, to: q.to, channel: q.channel, campaign: q.campaign };
  const [rows, dimensions, freshness, everything] = await Promise.all([
    romiDailyRows(run.runId, q.model, filter, db),
    romiDimensions(run.runId, db),
    sourceFreshness(db),
    romiDailyRows(run.runId, q.model, {}, db),
  ]);
  const dated = rows.filter((r) => r.day !== '0000-00-00');
  const ch = figuresBy(rows, byChannel).groups;
  const cp = figuresBy(rows, byCampaign).groups;
  const mo = figuresBy(dated, byMonth).groups;
  return {
    run,
    totals: figuresBy(rows, all).groups.get('all') ?? [],
    channels: [...ch.entries()].map(([channel, figures]) => ({ channel, figures })).sort((a, b) => Number((b.figures[0]?.netRevenueMinor ?? 0n) - (a.figures[0]?.netRevenueMinor ?? 0n))),
    campaigns: [...cp.entries()].map(([k, figures]) => ({ channel: k.split('\u0000')[0]!, campaign: k.split('\u0000')[1]!, figures })).sort((a, b) => a.channel.localeCompare(b.channel) || a.campaign.localeCompare(b.campaign)),
    months: [...mo.entries()].map(([month, figures]) => ({ month, figures })).sort((a, b) => a.month.localeCompare(b.month)),
    funnel: funnelOf(rows),
    dimensions,
    freshness,
    notCountedAll: figuresBy(everything, all).groups.get('all') ?? [],
  };
}
