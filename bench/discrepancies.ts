/**
 * Bench section "discrepancies": one run with `rows` result rows (default 1M) generated inside the
 * database (SQLite: a recursive CTE; PostgreSQL: generate_series), then the discrepancy table's page
 * query (lib/features/review/discrepancies.ts listDiscrepancies: filtered, sorted page plus the filtered count)
 * over a rotation of realistic filters. Peer, measured in the same run on the same rows: the same
 * queries after dropping the secondary indexes (what an unindexed table would cost).
 *
 * PostgreSQL: BENCH_POSTGRES_URL or TEST_POSTGRES_URL, else the local default server; skipped when
 * unreachable. Goal: p95 under 300 ms.
 */
import { createPrismaClient, type PrismaClient } from '../lib/server/db/client';
import { listDiscrepancies, parseDiscrepancyQuery } from '../lib/features/review/discrepancies';
import { withBenchDatabase } from './child';
import type { BenchContext, BenchSection } from './run';

type Kind = 'sqlite' | 'postgres';

/** The filter rotation: what reviewers do all day (default view, critical backlog, a reason, a key, ranges). */
const QUERIES: { name: string; params: Record<string, string> }[] = [
  { name: 'default view (needing attention, by severity)', params: {} },
  { name: 'critical + open, by amount desc', params: { severity: 'critical', state: 'open', sort: 'amount', dir: 'desc' } },
  { name: 'mismatched on amount, open, by amount, page 3', params: { cls: 'mismatched', reason: 'amount', state: 'open', sort: 'amount', dir: 'asc', page: '3' } },
  { name: 'key search', params: { q: 'TX00004711', cls: 'all' } },
  { name: 'amount 100-200 in March, by amount', params: { cls: 'all', min: '100', max: '200', from: '2024-03-01', to: '2024-03-31', sort: 'amount', dir: 'desc' } },
  { name: 'escalated, by date', params: { state: 'escalated', sort: 'date', dir: 'asc' } },
];

function columnsSql(kind: Kind): { seq: string; row: string } {
  // h: class bucket 0-99; g: a second, independent bucket; amount: pseudo-random 1.00-1000.00.
  const h = '((i * 7919 + 13) % 100)';
  const g = '((i * 104729 + 7) % 1000)';
  const amount = kind === 'sqlite' ? '(((i * 2654435761) % 99901) + 100)' : '(((i::bigint * 2654435761) % 99901) + 100)';
  const cls = `CASE WHEN ${h} < 80 THEN 'matched' WHEN ${h} < 94 THEN 'mismatched' WHEN ${h} < 99 THEN 'missing' ELSE 'duplicate' END`;
  const rank = `CASE WHEN ${h} < 80 THEN 0 WHEN ${h} >= 99 OR ${g} % 5 = 0 THEN 2 ELSE 1 END`;
  const state = `CASE WHEN ${h} < 80 THEN 'resolved' WHEN ${g} % 10 < 7 THEN 'open' WHEN ${g} % 10 = 7 THEN 'in_review' WHEN ${g} % 10 = 8 THEN 'resolved' ELSE 'escalated' END`;
  const reasons = `CASE WHEN ${h} >= 80 AND ${h} < 94 THEN (CASE ${g} % 3 WHEN 0 THEN ';status;' WHEN 1 THEN ';amount;' ELSE ';amount;status;' END) ELSE '' END`;
  const action = `CASE WHEN ${h} < 80 THEN 'settle_to_merchant' WHEN ${h} < 94 THEN (CASE ${g} % 3 WHEN 0 THEN 'set_gateway_paid_and_settle' ELSE 'fail_and_refund' END) ELSE 'manual_review' END`;
  const key = kind === 'sqlite' ? `'TX' || substr('0000000000' || i, -10)` : `'TX' || lpad(i::text, 10, '0')`;
  const date = kind === 'sqlite' ? `date('2024-01-01', '+' || (i % 366) || ' days')` : `to_char(date '2024-01-01' + (i % 366)::int, 'YYYY-MM-DD')`;
  const missingIn = `CASE WHEN ${h} >= 94 AND ${h} < 99 THEN (CASE WHEN ${g} % 2 = 0 THEN ';Bank;' ELSE ';Gateway;' END) ELSE '' END`;
  const severity = `CASE ${rank} WHEN 0 THEN 'info' WHEN 1 THEN 'warning' ELSE 'critical' END`;
  const row = `$1, ${key}, ${cls}, ${reasons}, ${severity}, ${rank}, ${action}, '', NULL, ${missingIn}, '', ';Gateway:Paid;Bank:Paid;', ${amount}, 'USD', ${date}, CASE WHEN ${h} >= 80 AND ${h} < 94 THEN ${g} ELSE 0 END, '{}', ${state}, 0`;
  return { seq: kind === 'sqlite' ? 'WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < $2 - 1)' : 'WITH seq(i) AS (SELECT generate_series(0::bigint, $2::bigint - 1))', row };
}

async function generate(db: PrismaClient, kind: Kind, rows: number): Promise<string> {
  const ruleSet = await db.ruleSet.create({ data: { name: 'bench', version: 1, definition: '{}' } });
  const run = await db.run.create({ data: { status: 'completed', ruleSetId: ruleSet.id, inputs: '{"sources":[]}', inputsHash: 'bench', totalKeys: rows } });
  const { seq, row } = columnsSql(kind);
  const cols = '"runId", "key", "cls", "reasons", "severity", "severityRank", "action", "actionLabel", "ruleId", "missingIn", "duplicateIn", "statuses", "amountMinor", "currency", "date", "amountDiffMinor", "detail", "state", "version"';
  const sql = `${seq} INSERT INTO "RunResult" (${cols}) SELECT ${row} FROM seq`;
  await db.$executeRawUnsafe(kind === 'sqlite' ? sql.replaceAll('$1', '?1').replaceAll('$2', '?2') : sql, run.id, rows);
  // As autovacuum would on a live table: statistics, and a visibility map for index-only counts.
  if (kind === 'postgres') await db.$executeRawUnsafe('VACUUM ANALYZE "RunResult"');
  else await db.$executeRawUnsafe('ANALYZE');
  return run.id;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function measure(db: PrismaClient, runId: string, requests: number) {
  const times: number[] = [];
  const perQuery = new Map<string, number[]>();
  // One warm-up pass (page cache, prepared statements), not counted.
  for (const q of QUERIES) await listDiscrepancies(runId, parseDiscrepancyQuery(q.params), { db });
  for (let i = 0; i < requests; i++) {
    const q = QUERIES[i % QUERIES.length]!;
    const t = performance.now();
    const page = await listDiscrepancies(runId, parseDiscrepancyQuery(q.params), { db });
    const ms = performance.now() - t;
    if (i < QUERIES.length && page.total === 0 && q.name !== 'key search') throw new Error(`bench query "${q.name}" matched nothing`);
    times.push(ms);
    perQuery.set(q.name, [...(perQuery.get(q.name) ?? []), ms]);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95), max: times[times.length - 1]!, perQuery };
}

async function secondaryIndexes(db: PrismaClient, kind: Kind): Promise<string[]> {
  const rows: { name: string }[] =
    kind === 'sqlite'
      ? await db.$queryRawUnsafe(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'RunResult' AND name LIKE 'RunResult_%_idx'`)
      : await db.$queryRawUnsafe(`SELECT indexname AS name FROM pg_indexes WHERE tablename = 'RunResult' AND indexname LIKE 'RunResult_%_idx'`);
  return rows.map((r) => r.name);
}

async function benchOne(kind: Kind, rows: number, requests: number, peerRequests: number): Promise<void> {
  await withBenchDatabase(kind, async (url) => {
    const db = createPrismaClient(url, { poolSize: 4 });
    try {
      let t = performance.now();
      const runId = await generate(db, kind, rows);
      console.log(`${kind}: generated ${rows.toLocaleString('en-US')} result rows with indexes in ${((performance.now() - t) / 1000).toFixed(1)} s`);
      const indexed = await measure(db, runId, requests);
      const dropped = await secondaryIndexes(db, kind);
      for (const name of dropped) await db.$executeRawUnsafe(`DROP INDEX "${name}"`);
      t = performance.now();
      const plain = await measure(db, runId, peerRequests);
      const report = (label: string, m: typeof indexed, n: number) =>
        console.log(`${kind}: ${label.padEnd(34)} ${String(n).padStart(3)} requests  p50 ${m.p50.toFixed(1).padStart(7)} ms  p95 ${m.p95.toFixed(1).padStart(7)} ms  max ${m.max.toFixed(1).padStart(7)} ms`);
      report('with the indexes (this code)', indexed, requests);
      report(`peer: without ${dropped.length} secondary indexes`, plain, peerRequests);
      for (const [name, times] of indexed.perQuery) {
        const s = [...times].sort((a, b) => a - b);
        const peer = [...(plain.perQuery.get(name) ?? [])].sort((a, b) => a - b);
        console.log(`${kind}:   ${name.padEnd(48)} p95 ${percentile(s, 95).toFixed(1).padStart(7)} ms   (peer ${peer.length ? percentile(peer, 95).toFixed(1) : '-'} ms)`);
      }
      console.log(`${kind}: goal p95 < 300 ms: ${indexed.p95 < 300 ? 'met' : 'NOT met'}`);
    } finally {
      await db.$disconnect();
    }
  });
}

export const section: BenchSection = {
  name: 'discrepancies',
  description: 'p95 of the discrepancy table page query (filter + sort + page + count) over N result rows, with vs without indexes',
  async run(ctx: BenchContext) {
    const requests = Number(process.env.BENCH_REQUESTS ?? 50);
    const peerRequests = Number(process.env.BENCH_PEER_REQUESTS ?? 18);
    for (const kind of ['sqlite', 'postgres'] as const) await benchOne(kind, ctx.rows, requests, peerRequests);
  },
};
