/**
 * Data-quality figures, read from the database. Everything that scales with the result rows is
 * aggregated in SQL on the existing indexes (counts, GROUP BY, window functions): a run with a
 * million result rows never loads them into JS. Per-run figures the engine already counted
 * (classes, reasons, unmapped status codes) come from the run's stored summary.
 *
 * Definitions (also stated on the page):
 * - discrepancy rate of a run: keys not matched / all keys; a run's "pair of systems" is the set
 *   of sources it compares (lib/features/quality/rates.ts pairLabel);
 * - resolution time: from the end of the run that raised the discrepancy to the decision a person
 *   made that settled it (a resolution that is not undone, not automatic, not an assignment or
 *   escalation); percentiles interpolate linearly (lib/features/quality/percentile.ts). Automatic rules
 *   settle their rows as the run ends, so they are counted apart (automatic share) rather than
 *   flattering the people's times (and a run auto-settles most of its million rows);
 * - automatic share: settling decisions made by an automatic rule / all settling decisions;
 * - backlog: open, in-review and escalated rows of the run, by age of their transaction date;
 * - freshness: the latest committed upload, successful pull or accepted webhook per source.
 */
import type { OperationalCounts } from '@/lib/server/observability/metrics';
import { REASONS, type Summary } from '@/lib/reconcile';
import { OPEN_REVIEW_STATES } from '@/lib/domain/review';
import { bucketDateRanges, NO_DATE_LABEL, type AgeBucketId } from '@/lib/features/quality/buckets';
import { sourceFreshness } from '@/lib/features/alerts/source-freshness';
import { interpolate, percentileRanks } from '@/lib/features/quality/percentile';
import { discrepancyRate, pairLabel, share } from '@/lib/features/quality/rates';
import { DEFAULT_MODEL } from '@/lib/romi';
import type { Month } from '@/lib/features/quality/month';
import { clientTarget, getPrisma } from '@/lib/server/db/client';
import { dashboardData, parseRomiQuery } from '../romi/dashboard';

type Client = ReturnType<typeof getPrisma>;

/** Decisions that settle a row (the others only move it along). */
export const NON_SETTLING_ACTIONS = ['assign', 'escalate'] as const;
/** A source is stale when it delivered nothing for this long. */
export const PERIODS = { '30': 30, '90': 90, '365': 365, all: null } as const;
export type Period = keyof typeof PERIODS;

export function periodStart(period: Period, now: Date): Date | null {
  const days = PERIODS[period];
  return days === null ? null : new Date(now.getTime() - days * 86_400_000);
}

// ---------------------------------------------------------------------------------------------
// Runs

export type RunRate = {
  runId: string;
  createdAt: Date;
  finishedAt: Date | null;
  pair: string;
  totalKeys: number;
  matched: number;
  mismatched: number;
  missing: number;
  duplicate: number;
  critical: number;
  discrepancies: number;
  rate: number | null;
};

/** Completed runs since a date (oldest first, at most `limit`, the newest kept): rate and pair of systems each. */
export async function runRates(opts: { db?: Client; since?: Date | null; until?: Date | null; limit?: number } = {}): Promise<RunRate[]> {
  const db = opts.db ?? getPrisma();
  const runs = await db.run.findMany({
    where: { status: 'completed', ...(opts.since || opts.until ? { createdAt: { ...(opts.since ? { gte: opts.since } : {}), ...(opts.until ? { lt: opts.until } : {}) } } : {}) },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: opts.limit ?? 500,
    select: { id: true, createdAt: true, finishedAt: true, inputs: true, totalKeys: true, matched: true, mismatched: true, missing: true, duplicate: true, critical: true },
  });
  return runs.reverse().map((r) => {
    let names: string[] = [];
    try {
      names = (JSON.parse(r.inputs) as { sources?: { name: string }[] }).sources?.map((s) => s.name) ?? [];
    } catch {
      names = [];
    }
    return {
      runId: r.id,
      createdAt: r.createdAt,
      finishedAt: r.finishedAt,
      pair: pairLabel(names),
      totalKeys: r.totalKeys,
      matched: r.matched,
      mismatched: r.mismatched,
      missing: r.missing,
      duplicate: r.duplicate,
      critical: r.critical,
      discrepancies: r.totalKeys - r.matched,
      rate: discrepancyRate(r.totalKeys, r.matched),
    };
  });
}

export type RunPick = { id: string; createdAt: Date; pair: string; summary: Summary | null };

/** The run the per-run figures describe: the one asked for if completed, else the newest completed run. */
export async function qualityRun(runId: string | undefined, db: Client = getPrisma()): Promise<RunPick | null> {
  const select = { id: true, createdAt: true, inputs: true, summary: true } as const;
  const run =
    (runId ? await db.run.findFirst({ where: { id: runId, status: 'completed' }, select }) : null) ??
    (await db.run.findFirst({ where: { status: 'completed' }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], select }));
  if (!run) return null;
  let pair = '';
  try {
    pair = pairLabel((JSON.parse(run.inputs) as { sources?: { name: string }[] }).sources?.map((s) => s.name) ?? []);
  } catch {
    pair = '';
  }
  return { id: run.id, createdAt: run.createdAt, pair, summary: run.summary ? (JSON.parse(run.summary) as Summary) : null };
}

/** Keys per reason in a run (a key may have several reasons), from the engine's summary. */
export function reasonsOf(summary: Summary | null): { reason: string; count: number }[] {
  if (!summary) return [];
  return REASONS.map((reason) => ({ reason, count: summary.reasons[reason] ?? 0 }));
}

/** Records whose status code no profile maps (the engine counts them as Unknown), per source and code, most frequent first. */
export function unmappedCodesOf(summary: Summary | null): { source: string; code: string; count: number }[] {
  if (!summary) return [];
  return Object.entries(summary.unknownStatuses ?? {})
    .flatMap(([source, codes]) => Object.entries(codes).map(([code, count]) => ({ source, code, count })))
    .filter((r) => r.count > 0)
    .sort((a, b) => b.count - a.count || a.source.localeCompare(b.source) || a.code.localeCompare(b.code));
}

// ---------------------------------------------------------------------------------------------
// Backlog

export type BacklogBucket = { id: AgeBucketId; label: string; count: number };

/** Open, in-review and escalated rows of a run by age of their transaction date: one indexed count per bucket. */
export async function backlogByAge(runId: string, opts: { db?: Client; now?: Date } = {}): Promise<BacklogBucket[]> {
  const db = opts.db ?? getPrisma();
  const now = opts.now ?? new Date();
  const open = { runId, state: { in: [...OPEN_REVIEW_STATES] } };
  const ranges = bucketDateRanges(now);
  const counts = await Promise.all([
    ...ranges.map((r) => db.runResult.count({ where: { ...open, date: { not: null, ...(r.from ? { gte: r.from } : {}), ...(r.before ? { lt: r.before } : {}) } } })),
    db.runResult.count({ where: { ...open, date: null } }),
  ]);
  return [...ranges.map((r, i) => ({ id: r.id, label: r.label, count: counts[i]! })), { id: 'no_date' as const, label: NO_DATE_LABEL, count: counts[ranges.length]! }];
}

// ---------------------------------------------------------------------------------------------
// Resolutions

export type ResolutionTimeGroup = { group: string; count: number; medianMs: number; p90Ms: number };

function sqlDialect(db: Client) {
  const kind = clientTarget(db).kind;
  return {
    kind,
    param: (i: number) => (kind === 'postgres' ? `$${i}` : '?'),
    /** Milliseconds from b to a. */
    diffMs: (a: string, b: string) =>
      kind === 'postgres'
        ? `CAST(ROUND(EXTRACT(EPOCH FROM (${a} - ${b})) * 1000) AS BIGINT)`
        : `CAST(ROUND((julianday(${a}) - julianday(${b})) * 86400000) AS INTEGER)`,
    /** A timestamp column at or after an ISO instant (passed as a parameter). */
    atOrAfter: (col: string, p: string) => (kind === 'postgres' ? `${col} >= CAST(${p} AS timestamp)` : `julianday(${col}) >= julianday(${p})`),
  };
}

/** Settling decisions made by people in a window, the SQL behind the resolution-time figures. */
function settledSql(db: Client, since: Date | null, until: Date | null, by: 'severity' | 'reviewer') {
  const d = sqlDialect(db);
  const params: unknown[] = [];
  let sinceSql = '';
  if (since) {
    params.push(d.kind === 'postgres' ? since.toISOString().replace('Z', '') : since.toISOString());
    sinceSql = `AND ${d.atOrAfter('res."createdAt"', d.param(params.length))}`;
  }
  if (until) {
    params.push(d.kind === 'postgres' ? until.toISOString().replace('Z', '') : until.toISOString());
    sinceSql += ` AND NOT ${d.atOrAfter('res."createdAt"', d.param(params.length))}`;
  }
  const sql = `SELECT ${by === 'severity' ? 'rr."severity"' : `COALESCE(res."actorEmail", 'Unknown')`} AS g,
      ${d.diffMs('res."createdAt"', 'run."finishedAt"')} AS ms
    FROM "Resolution" res
    ${by === 'severity' ? 'JOIN "RunResult" rr ON rr."id" = res."resultId"' : ''}
    JOIN "Run" run ON run."id" = res."runId"
    WHERE res."undoneAt" IS NULL AND res."auto" = ${d.kind === 'postgres' ? 'false' : '0'} AND res."action" NOT IN (${NON_SETTLING_ACTIONS.map((a) => `'${a}'`).join(', ')}) AND run."finishedAt" IS NOT NULL ${sinceSql}`;
  return { sql, params };
}

/**
 * Median and p90 resolution time per group (severity or reviewer), computed in the database: each
 * group's times are ranked with ROW_NUMBER() and only the rows at the percentile ranks come back
 * (integer division gives floor((n - 1) p) and ceil((n - 1) p) in both SQLite and PostgreSQL).
 */
export async function resolutionTimes(by: 'severity' | 'reviewer', opts: { db?: Client; since?: Date | null; until?: Date | null } = {}): Promise<ResolutionTimeGroup[]> {
  const db = opts.db ?? getPrisma();
  const { sql, params } = settledSql(db, opts.since ?? null, opts.until ?? null, by);
  const ranked = `SELECT g, ms, rn, n FROM (
      SELECT g, ms, ROW_NUMBER() OVER (PARTITION BY g ORDER BY ms) AS rn, COUNT(*) OVER (PARTITION BY g) AS n FROM (${sql}) s
    ) t
    WHERE rn IN ((n - 1) / 2 + 1, n / 2 + 1, ((n - 1) * 9) / 10 + 1, ((n - 1) * 9 + 9) / 10 + 1)
    ORDER BY g, rn`;
  const rows = await db.$queryRawUnsafe<{ g: string; ms: number | bigint; rn: number | bigint; n: number | bigint }[]>(ranked, ...params);
  const groups = new Map<string, { n: number; at: Map<number, number> }>();
  for (const r of rows) {
    const g = groups.get(r.g) ?? { n: Number(r.n), at: new Map<number, number>() };
    g.at.set(Number(r.rn), Number(r.ms));
    groups.set(r.g, g);
  }
  const pick = (g: { n: number; at: Map<number, number> }, p: number) => {
    const rk = percentileRanks(g.n, p);
    return interpolate(g.at.get(rk.lower)!, g.at.get(rk.upper)!, rk.weight);
  };
  return [...groups.entries()].map(([group, g]) => ({ group, count: g.n, medianMs: pick(g, 0.5), p90Ms: pick(g, 0.9) }));
}

/** How many settling decisions were automatic, out of how many. */
export async function automaticShare(opts: { db?: Client; since?: Date | null; until?: Date | null } = {}): Promise<{ automatic: number; manual: number; share: number | null }> {
  const db = opts.db ?? getPrisma();
  const groups = await db.resolution.groupBy({
    by: ['auto'],
    where: { undoneAt: null, action: { notIn: [...NON_SETTLING_ACTIONS] }, ...(opts.since || opts.until ? { createdAt: { ...(opts.since ? { gte: opts.since } : {}), ...(opts.until ? { lt: opts.until } : {}) } } : {}) },
    _count: { _all: true },
  });
  const automatic = groups.find((g) => g.auto)?._count._all ?? 0;
  const manual = groups.find((g) => !g.auto)?._count._all ?? 0;
  return { automatic, manual, share: share(automatic, automatic + manual) };
}

// ---------------------------------------------------------------------------------------------
// Sources: drift and freshness

export type DriftRow = { id: string; createdAt: Date; source: string; kind: string; severity: string; message: string };

/** Drift events since a date: counts per source and kind, and the newest events. */
export async function driftEvents(opts: { db?: Client; since?: Date | null; until?: Date | null; take?: number } = {}) {
  const db = opts.db ?? getPrisma();
  const where = opts.since || opts.until ? { createdAt: { ...(opts.since ? { gte: opts.since } : {}), ...(opts.until ? { lt: opts.until } : {}) } } : {};
  const [groups, recent, sources] = await Promise.all([
    db.driftEvent.groupBy({ by: ['sourceId', 'kind', 'severity'], where, _count: { _all: true } }),
    db.driftEvent.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: opts.take ?? 20, select: { id: true, createdAt: true, kind: true, severity: true, message: true, source: { select: { name: true } } } }),
    db.source.findMany({ select: { id: true, name: true } }),
  ]);
  const names = new Map(sources.map((s) => [s.id, s.name]));
  const counts = groups
    .map((g) => ({ source: names.get(g.sourceId) ?? g.sourceId, kind: g.kind, severity: g.severity, count: g._count._all }))
    .sort((a, b) => a.source.localeCompare(b.source) || a.kind.localeCompare(b.kind) || a.severity.localeCompare(b.severity));
  const events: DriftRow[] = recent.map((e) => ({ id: e.id, createdAt: e.createdAt, source: e.source.name, kind: e.kind, severity: e.severity, message: e.message }));
  return { counts, events, total: counts.reduce((s, c) => s + c.count, 0) };
}

export { sourceFreshness, type SourceFreshness } from '@/lib/features/alerts/source-freshness';

// ---------------------------------------------------------------------------------------------
// Operational counts for /api/metrics (read at scrape time; each one an indexed GROUP BY or count)


/** Alert deliveries by state (pending, retrying, sent, failed, suppressed). */
export async function alertDeliveriesByState(db: Client = getPrisma()): Promise<{ state: string; count: number }[]> {
  const groups = await db.alertDelivery.groupBy({ by: ['state'], _count: { _all: true } });
  return groups.map((g) => ({ state: g.state, count: g._count._all })).sort((a, b) => a.state.localeCompare(b.state));
}

export async function operationalCounts(db: Client = getPrisma()): Promise<OperationalCounts> {
  const [runs, ingested, webhookRows, latest, alerts] = await Promise.all([
    db.run.groupBy({ by: ['status'], _count: { _all: true } }),
    db.ingestion.groupBy({ by: ['channel'], where: { status: 'committed' }, _sum: { rowsValid: true } }),
    db.sourceRecord.count({ where: { ingestionId: null } }),
    db.run.findFirst({ where: { status: 'completed' }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], select: { id: true, matched: true, mismatched: true, missing: true, duplicate: true } }),
    alertDeliveriesByState(db),
  ]);
  const rows = new Map<string, number>(ingested.map((g) => [g.channel, g._sum.rowsValid ?? 0]));
  rows.set('webhook', (rows.get('webhook') ?? 0) + webhookRows);
  let latestRun: OperationalCounts['latestRun'] = null;
  if (latest) {
    const open = await db.runResult.groupBy({ by: ['cls'], where: { runId: latest.id, state: { in: [...OPEN_REVIEW_STATES] } }, _count: { _all: true } });
    const openBy = new Map(open.map((g) => [g.cls, g._count._all]));
    const CLS = ['matched', 'mismatched', 'missing', 'duplicate'] as const;
    latestRun = {
      runId: latest.id,
      keysByClass: CLS.map((cls) => ({ cls, count: latest[cls] })),
      openByClass: CLS.filter((c) => c !== 'matched').map((cls) => ({ cls, count: openBy.get(cls) ?? 0 })),
    };
  }
  return {
    runsByStatus: runs.map((g) => ({ status: g.status, count: g._count._all })).sort((a, b) => a.status.localeCompare(b.status)),
    rowsIngested: [...rows.entries()].map(([channel, n]) => ({ channel, rows: n })).sort((a, b) => a.channel.localeCompare(b.channel)),
    latestRun,
    alertDeliveries: alerts,
  };
}

// ---------------------------------------------------------------------------------------------
// The page's query and everything it shows (also what the CSV export reads)

export type QualityQuery = { period: Period; run?: string };

export function parseQualityQuery(params: URLSearchParams | Record<string, string | string[] | undefined>): QualityQuery {
  const get = (k: string) => (params instanceof URLSearchParams ? params.get(k) : (([] as (string | undefined)[]).concat(params[k] ?? [])[0] ?? null)) ?? undefined;
  const period = get('period');
  const run = get('run');
  return {
    period: period && period in PERIODS ? (period as Period) : '90',
    ...(run && /^[\w-]{1,64}$/.test(run) ? { run } : {}),
  };
}

export async function qualityData(q: QualityQuery, opts: { db?: Client; now?: Date } = {}) {
  const db = opts.db ?? getPrisma();
  const now = opts.now ?? new Date();
  const since = periodStart(q.period, now);
  const run = await qualityRun(q.run, db);
  const [runs, bySeverity, byReviewer, automatic, backlog, drift, freshness] = await Promise.all([
    runRates({ db, since }),
    resolutionTimes('severity', { db, since }),
    resolutionTimes('reviewer', { db, since }),
    automaticShare({ db, since }),
    run ? backlogByAge(run.id, { db, now }) : Promise.resolve([] as BacklogBucket[]),
    driftEvents({ db, since }),
    sourceFreshness({ db, now }),
  ]);
  const SEVERITY_ORDER = ['critical', 'warning', 'info'];
  return {
    now,
    since,
    run,
    runs,
    reasons: reasonsOf(run?.summary ?? null),
    unmapped: unmappedCodesOf(run?.summary ?? null),
    bySeverity: bySeverity.sort((a, b) => SEVERITY_ORDER.indexOf(a.group) - SEVERITY_ORDER.indexOf(b.group)),
    byReviewer: byReviewer.sort((a, b) => b.count - a.count || a.group.localeCompare(b.group)),
    automatic,
    backlog,
    drift,
    freshness,
  };
}
export type QualityData = Awaited<ReturnType<typeof qualityData>>;

// ---------------------------------------------------------------------------------------------
// Open risks (monthly report)

export type OpenRisk = { severity: string; currency: string; count: number; amountMinor: bigint };

/** Open, in-review and escalated rows of a run per severity and currency, with their amounts: one indexed GROUP BY. */
export async function openRisks(runId: string, db: Client = getPrisma()): Promise<OpenRisk[]> {
  const groups = await db.runResult.groupBy({ by: ['severity', 'currency'], where: { runId, state: { in: [...OPEN_REVIEW_STATES] } }, _count: { _all: true }, _sum: { amountMinor: true } });
  const rank: Record<string, number> = { critical: 0, warning: 1, info: 2 };
  return groups
    .map((g) => ({ severity: g.severity, currency: g.currency, count: g._count._all, amountMinor: g._sum.amountMinor ?? 0n }))
    .sort((a, b) => (rank[a.severity] ?? 9) - (rank[b.severity] ?? 9) || a.currency.localeCompare(b.currency));
}

// ---------------------------------------------------------------------------------------------
// The monthly report for executives and finance. ROMI comes from the dashboard's own reader
// (dashboardData over the RomiDaily pre-aggregate, the month as its date filter), so the report and
// the dashboard can never disagree; reconciliation health and open risks come from the queries above.

export async function monthlyReport(m: Month, opts: { db?: Client; now?: Date } = {}) {
  const db = opts.db ?? getPrisma();
  const now = opts.now ?? new Date();
  const window = { db, since: m.start, until: m.end };
  const prev = { from: `${m.prev}-01`, to: new Date(m.start.getTime() - 86_400_000).toISOString().slice(0, 10) };
  const latest = await qualityRun(undefined, db);
  const [romi, romiPrev, runs, bySeverity, automatic, drift, freshness, backlog, risks] = await Promise.all([
    dashboardData(parseRomiQuery({ from: m.from, to: m.to, model: DEFAULT_MODEL }), db),
    dashboardData(parseRomiQuery({ from: prev.from, to: prev.to, model: DEFAULT_MODEL }), db),
    runRates(window),
    resolutionTimes('severity', window),
    automaticShare(window),
    driftEvents(window),
    sourceFreshness({ db, now }),
    latest ? backlogByAge(latest.id, { db, now }) : Promise.resolve([]),
    latest ? openRisks(latest.id, db) : Promise.resolve([]),
  ]);
  const keys = runs.reduce((s, r) => s + r.totalKeys, 0);
  const discrepancies = runs.reduce((s, r) => s + r.discrepancies, 0);
  return {
    month: m,
    generatedAt: now,
    romi,
    romiPrev,
    health: {
      runs,
      keys,
      discrepancies,
      /** Over every key reconciled in the month's runs (not an average of the runs' rates). */
      rate: share(discrepancies, keys),
      bySeverity,
      automatic,
    },
    risks: {
      run: latest ? { id: latest.id, createdAt: latest.createdAt, pair: latest.pair } : null,
      open: risks,
      backlog,
      unmapped: unmappedCodesOf(latest?.summary ?? null),
      stale: freshness.filter((s) => s.status !== 'fresh'),
      blockingDrift: drift.counts.filter((c) => c.severity === 'blocking').reduce((s, c) => s + c.count, 0),
      drift: drift.total,
    },
  };
}
export type MonthlyReport = Awaited<ReturnType<typeof monthlyReport>>;
