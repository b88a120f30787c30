/**
 * Bench section "romi": one completed run with `rows` reconciled transactions (default 1M; 85%
 * resolved Paid, the rest open) generated inside the database, each credited to one of 5 channels
 * and 20 campaigns over a year, and the pre-aggregate built from them (RomiDaily by day, channel,
 * campaign and currency, for the three attribution models). Measured: the dashboard's whole server
 * read (lib/features/romi/dashboard.ts dashboardData: the filtered pre-aggregate, the unfiltered one for
 * the freshness panel, the filter dimensions, the sources) over a rotation of filters.
 * Peer, on the same rows in the same run: the same revenue, not-yet-counted and paid counts
 * computed per request by scanning the raw rows (RunResult joined to their credits, grouped by
 * channel, campaign and month), which is what a dashboard without pre-aggregation would do.
 * Both answers are checked equal before timing. Goal: p95 under 300 ms.
 *
 * PostgreSQL: BENCH_POSTGRES_URL or TEST_POSTGRES_URL, else the local default server; skipped when unreachable.
 */
import { createPrismaClient, type PrismaClient } from '../lib/server/db/client';
import { dashboardData, parseRomiQuery } from '../lib/features/romi/dashboard';
import { withBenchDatabase } from './child';
import type { BenchContext, BenchSection } from './run';

type Kind = 'sqlite' | 'postgres';

const QUERIES: { name: string; params: Record<string, string> }[] = [
  { name: 'landing page (all channels, whole year)', params: {} },
  { name: 'one channel', params: { channel: 'Meta Ads' } },
  { name: 'one campaign, one quarter', params: { channel: 'Google Ads', campaign: 'Campaign 05', from: '2024-04-01', to: '2024-06-30' } },
  { name: 'one month, linear attribution', params: { from: '2024-03-01', to: '2024-03-31', model: 'linear' } },
];

const CHANNELS = ['Google Ads', 'Meta Ads', 'LinkedIn Ads', 'Organic search', 'Email'];

function p(kind: Kind, sql: string): string {
  return kind === 'sqlite' ? sql.replace(/\$(\d)/g, '?$1') : sql;
}

async function generate(db: PrismaClient, kind: Kind, rows: number): Promise<{ runId: string; buildMs: number }> {
  const ruleSet = await db.ruleSet.create({ data: { name: 'bench', version: 1, definition: '{}' } });
  const run = await db.run.create({ data: { status: 'completed', ruleSetId: ruleSet.id, inputs: '{"sources":[]}', inputsHash: 'bench', totalKeys: rows } });
  const seq = kind === 'sqlite' ? 'WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < $2 - 1)' : 'WITH seq(i) AS (SELECT generate_series(0::bigint, $2::bigint - 1))';
  const h = '((i * 7919 + 13) % 100)';
  const amount = kind === 'sqlite' ? '(((i * 2654435761) % 99901) + 100)' : '(((i::bigint * 2654435761) % 99901) + 100)';
  const key = kind === 'sqlite' ? `'TX' || substr('0000000000' || i, -10)` : `'TX' || lpad(i::text, 10, '0')`;
  const date = kind === 'sqlite' ? `date('2024-01-01', '+' || (i % 366) || ' days')` : `to_char(date '2024-01-01' + (i % 366)::int, 'YYYY-MM-DD')`;
  const paid = `${h} < 85`;
  await db.$executeRawUnsafe(
    p(kind, `${seq} INSERT INTO "RunResult" ("runId", "key", "cls", "reasons", "severity", "severityRank", "action", "actionLabel", "missingIn", "duplicateIn", "statuses", "amountMinor", "currency", "date", "detail", "state", "finalStatus", "finalAmountMinor", "finalCurrency")
      SELECT $1, ${key}, CASE WHEN ${paid} THEN 'matched' ELSE 'mismatched' END, '', 'info', 0, 'settle', '', '', '', '', ${amount}, 'USD', ${date}, '{}',
        CASE WHEN ${paid} THEN 'resolved' ELSE 'open' END, CASE WHEN ${paid} THEN 'Paid' ELSE NULL END, CASE WHEN ${paid} THEN ${amount} ELSE NULL END, CASE WHEN ${paid} THEN 'USD' ELSE NULL END FROM seq`),
    run.id,
    rows,
  );
  const channel = `CASE "id" % 5 ${CHANNELS.map((c, i) => `WHEN ${i} THEN '${c}'`).join(' ')} END`;
  const campaign = kind === 'sqlite' ? `'Campaign ' || substr('0' || ("id" % 20), -2)` : `'Campaign ' || lpad(("id" % 20)::text, 2, '0')`;
  await db.$executeRawUnsafe(
    p(kind, `INSERT INTO "RomiCredit" ("runId", "model", "kind", "ref", "day", "channel", "campaign", "currency", "weightPpm")
      SELECT "runId", 'last_touch', 'payment', "id", "date", ${channel}, ${campaign}, 'USD', 1000000 FROM "RunResult" WHERE "runId" = $1`),
    run.id,
  );
  // The pre-aggregate, built once (as after a run) for the three models; spend and leads made up per group.
  const t = performance.now();
  await db.$executeRawUnsafe(
    p(kind, `INSERT INTO "RomiDaily" ("runId", "model", "day", "channel", "campaign", "currency", "revenueMinor", "refundMinor", "notCountedMinor", "spendMinor", "leadsMilli", "dealsMilli", "paidDealsMilli", "paidTx")
      SELECT c."runId", m.model, c."day", c."channel", c."campaign", 'USD',
        SUM(CASE WHEN r."state" = 'resolved' AND r."finalStatus" = 'Paid' THEN r."finalAmountMinor" ELSE 0 END), 0,
        SUM(CASE WHEN r."state" IN ('open', 'in_review', 'escalated') THEN r."amountMinor" ELSE 0 END),
        COUNT(*) * 2500, COUNT(*) * 3000, COUNT(*) * 1200, SUM(CASE WHEN r."finalStatus" = 'Paid' THEN 1000 ELSE 0 END),
        SUM(CASE WHEN r."state" = 'resolved' AND r."finalStatus" = 'Paid' THEN 1 ELSE 0 END)
      FROM "RomiCredit" c JOIN "RunResult" r ON r."id" = c."ref"
      CROSS JOIN (SELECT 'last_touch' AS model UNION ALL SELECT 'first_touch' UNION ALL SELECT 'linear') m
      WHERE c."runId" = $1 AND c."kind" = 'payment' AND c."model" = 'last_touch'
      GROUP BY c."runId", m.model, c."day", c."channel", c."campaign"`),
    run.id,
  );
  const buildMs = performance.now() - t;
  await db.romiBuild.create({ data: { runId: run.id, builtAt: new Date(), joinField: 'paymentRef', linkedPayments: rows, payments: rows } });
  if (kind === 'postgres') await db.$executeRawUnsafe('VACUUM ANALYZE');
  else await db.$executeRawUnsafe('ANALYZE');
  return { runId: run.id, buildMs };
}

type PeerRow = { channel: string; month: string; revenue: bigint | number; notCounted: bigint | number; paid: bigint | number };

/** The peer: revenue, not yet counted and paid transactions per channel and month from the raw rows. */
async function scanRaw(db: PrismaClient, kind: Kind, runId: string, params: Record<string, string>): Promise<PeerRow[]> {
  const month = kind === 'sqlite' ? 'substr(r."date", 1, 7)' : 'substring(r."date" from 1 for 7)';
  const where = ['c."runId" = $1', `c."kind" = 'payment'`, `c."model" = 'last_touch'`];
  const args: unknown[] = [runId];
  const add = (sql: string, v: string) => { args.push(v); where.push(sql.replace('?', `$${args.length}`)); };
  if (params.channel) add('c."channel" = ?', params.channel);
  if (params.campaign) add('c."campaign" = ?', params.campaign);
  if (params.from) add('r."date" >= ?', params.from);
  if (params.to) add('r."date" <= ?', params.to);
  const sql = `SELECT c."channel" AS channel, ${month} AS month,
      SUM(CASE WHEN r."state" = 'resolved' AND r."finalStatus" = 'Paid' THEN r."finalAmountMinor" ELSE 0 END) AS revenue,
      SUM(CASE WHEN r."state" IN ('open', 'in_review', 'escalated') THEN r."amountMinor" ELSE 0 END) AS "notCounted",
      SUM(CASE WHEN r."state" = 'resolved' AND r."finalStatus" = 'Paid' THEN 1 ELSE 0 END) AS paid
    FROM "RunResult" r JOIN "RomiCredit" c ON c."ref" = r."id" WHERE ${where.join(' AND ')} GROUP BY c."channel", ${month}`;
  return db.$queryRawUnsafe<PeerRow[]>(p(kind, sql), ...args);
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((q / 100) * sorted.length) - 1)]!;
}

async function time(requests: number, fn: (i: number) => Promise<unknown>) {
  for (let i = 0; i < QUERIES.length; i++) await fn(i); // warm-up, not counted
  const times: number[] = [];
  for (let i = 0; i < requests; i++) {
    const t = performance.now();
    await fn(i);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95), max: times[times.length - 1]! };
}

async function benchOne(kind: Kind, rows: number, requests: number, peerRequests: number): Promise<void> {
  await withBenchDatabase(kind, async (url) => {
    const db = createPrismaClient(url, { poolSize: 4 });
    try {
      const t = performance.now();
      const { runId, buildMs } = await generate(db, kind, rows);
      const aggRows = await db.romiDaily.count({ where: { runId } });
      console.log(`${kind}: generated ${rows.toLocaleString('en-US')} reconciled transactions in ${((performance.now() - t) / 1000).toFixed(1)} s; pre-aggregate ${aggRows.toLocaleString('en-US')} rows built in ${(buildMs / 1000).toFixed(1)} s`);
      // Same figures both ways, before timing anything.
      for (const q of QUERIES.filter((x) => !x.params.model)) {
        const data = (await dashboardData(parseRomiQuery(q.params), db))!;
        const peer = await scanRaw(db, kind, runId, q.params);
        const a = data.totals.find((f) => f.currency === 'USD')!;
        const revenue = peer.reduce((s, r) => s + BigInt(r.revenue), 0n);
        const notCounted = peer.reduce((s, r) => s + BigInt(r.notCounted), 0n);
        if (a.netRevenueMinor !== revenue || a.notCountedMinor !== notCounted) {
          throw new Error(`romi bench: "${q.name}" differs: pre-aggregate ${a.netRevenueMinor}/${a.notCountedMinor}, raw scan ${revenue}/${notCounted}`);
        }
      }
      // The read itself, not the dashboard cache in front of it (bench section dashboard-load measures that).
      const pre = await time(requests, (i) => dashboardData(parseRomiQuery(QUERIES[i % QUERIES.length]!.params), db, { cache: false }));
      const raw = await time(peerRequests, (i) => scanRaw(db, kind, runId, QUERIES[i % QUERIES.length]!.params));
      const report = (label: string, m: typeof pre, n: number) =>
        console.log(`${kind}: ${label.padEnd(46)} ${String(n).padStart(3)} requests  p50 ${m.p50.toFixed(1).padStart(7)} ms  p95 ${m.p95.toFixed(1).padStart(7)} ms  max ${m.max.toFixed(1).padStart(7)} ms`);
      report('dashboard over the pre-aggregate (this code)', pre, requests);
      report('peer: the same figures scanning raw rows', raw, peerRequests);
      console.log(`${kind}: goal p95 < 300 ms: ${pre.p95 < 300 ? 'met' : 'NOT met'}`);
    } finally {
      await db.$disconnect();
    }
  });
}

export const section: BenchSection = {
  name: 'romi',
  description: 'p95 of the ROMI dashboard read over the pre-aggregate with N reconciled transactions, beside the same figures from a raw-row scan',
  async run(ctx: BenchContext) {
    const requests = Number(process.env.BENCH_REQUESTS ?? 40);
    const peerRequests = Number(process.env.BENCH_PEER_REQUESTS ?? 12);
    for (const kind of ['sqlite', 'postgres'] as const) await benchOne(kind, ctx.rows, requests, peerRequests);
  },
};
