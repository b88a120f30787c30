/**
 * Child of the "ledger" bench (tsx, with the peak-RSS probe): `ledger-child.ts <database url> <keys>`.
 * Loads a gateway and a bank of `keys` records each (bench/runs.ts's generator, straight through
 * insertRecords), creates a reconciliation and measures, in this process:
 *  - fill: the first full pass (every key created, the ROMI aggregate built), with the event loop's
 *    delay while it works (what another request in this process would wait);
 *  - incremental: a bank file of 10,000 rows (half restating what the bank said, half a new status)
 *    committed, then its pass over those keys and the dashboard's read of the new figures;
 *  - webhook: 20 single-key events (a record with no ingestion), each its pass and the dashboard read;
 *  - full: a full re-reconciliation of the same ledger after that (the peer of the incremental pass),
 *    in this process and then in a child process (as the job queue runs passes on SQLite);
 *  - pages during a full pass: the production app (`next start` through scripts/serve.mjs, built first if
 *    there is no build) on this database, a signed-in reviewer's /dashboard and /discrepancies and an
 *    anonymous /api/health, each requested every 100 ms (three streams at once) while another full pass
 *    runs in a child process; beside the same requests on the idle app just before.
 * Prints one JSON line "FIGURES {...}".
 */
import { createPrismaClient } from '../lib/server/db/client';
import { closeBulkWriters, insertRecords, type RecordRow } from '../lib/server/db/record-insert';
import { ensureDefaultRuleSet } from '../lib/features/runs/rulesets';
import { createReconciliation, runLedgerPass } from '../lib/features/ledger';
import { runPassInChild } from '../lib/features/ledger/isolated';
import { dashboardData, parseRomiQuery } from '../lib/features/romi/dashboard';
import { hashPassword } from '../lib/features/users/password';
import { client, cookieFor, ensureBuild, observer, startServer, stopServer, summary, type Sample } from './http';
import { BANK_CODES } from './reconcile';
import { load, slot } from './runs';

const [url, keysArg] = process.argv.slice(2);
const keys = Number(keysArg ?? 100_000);
const INCREMENT = Math.min(10_000, keys);

function percentile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((q / 100) * s.length) - 1))] ?? NaN;
}

/**
 * Runs fn and measures how late a 10 ms timer fires meanwhile: what a request arriving during the
 * work waits before this process reads it. (perf_hooks' histogram records nothing when timers never
 * get to run, which is exactly the case to see.)
 */
async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T; loopMaxMs: number; loopP99Ms: number }> {
  const lateness: number[] = [];
  let expected = performance.now() + 10;
  let timer: NodeJS.Timeout | null = null;
  const tick = () => {
    const now = performance.now();
    lateness.push(Math.max(0, now - expected));
    expected = now + 10;
    timer = setTimeout(tick, 10);
  };
  timer = setTimeout(tick, 10);
  const t = performance.now();
  const value = await fn();
  const ms = performance.now() - t;
  if (timer) clearTimeout(timer);
  lateness.push(Math.max(0, performance.now() - expected)); // a timer still waiting at the end waited this long
  return { ms, value, loopMaxMs: Math.max(...lateness), loopP99Ms: percentile(lateness, 99) };
}

type PageTimes = Record<'dashboard' | 'discrepancies' | 'health', { p50: number; p95: number; max: number; n: number; failed: number }>;

/**
 * The app's pages while `work` runs, beside the same pages on the idle app: see the header. Every answer
 * must be a 200 (a refused session would answer a fast redirect and measure nothing).
 */
async function pagesDuring(db: ReturnType<typeof createPrismaClient>, work: () => Promise<unknown>): Promise<{ idle: PageTimes; busy: PageTimes; workMs: number }> {
  const root = process.cwd();
  ensureBuild(root, false);
  const passwordHash = await hashPassword(`bench-${Date.now()}-not-used`);
  const user = await db.user.create({
    data: { email: `reviewer-${Date.now()}@bench.paidline.test`, name: 'Bench reviewer', role: 'reviewer', passwordHash },
    select: { id: true, email: true, name: true, role: true, sessionVersion: true },
  });
  const cookie = await cookieFor(user);
  const port = Number(process.env.BENCH_LEDGER_PORT ?? 3312);
  const server = await startServer(root, url!, port, {});
  const http = client(port, 8);
  const paths = { dashboard: ['/dashboard', cookie], discrepancies: ['/discrepancies', cookie], health: ['/api/health', undefined] } as const;
  const times = (all: Record<keyof typeof paths, Sample[]>): PageTimes => {
    const out = {} as PageTimes;
    for (const k of Object.keys(paths) as (keyof typeof paths)[]) {
      const ok = all[k].filter((x) => x.status === 200);
      const s = summary(ok, 'totalMs');
      out[k] = { p50: s.p50, p95: s.p95, max: s.max, n: ok.length, failed: all[k].length - ok.length };
    }
    return out;
  };
  try {
    const idle = { dashboard: [] as Sample[], discrepancies: [] as Sample[], health: [] as Sample[] };
    for (let i = 0; i < 25; i++) {
      for (const k of Object.keys(paths) as (keyof typeof paths)[]) {
        const a = await http.get(paths[k][0], paths[k][1]);
        if (i >= 5) idle[k].push(a); // the first answers warm the server up
        else if (a.status !== 200) throw new Error(`ledger bench: ${paths[k][0]} answered ${a.status}, not 200 (the minted session was refused?)`);
      }
    }
    const streams = (Object.keys(paths) as (keyof typeof paths)[]).map((k) => [k, observer(() => http.get(paths[k][0], paths[k][1]), 100)] as const);
    const t = performance.now();
    await work();
    const workMs = performance.now() - t;
    const busy = { dashboard: [] as Sample[], discrepancies: [] as Sample[], health: [] as Sample[] };
    for (const [k, o] of streams) {
      await o.stop();
      busy[k].push(...o.samples);
    }
    return { idle: times(idle), busy: times(busy), workMs };
  } finally {
    await http.close();
    await stopServer(server);
  }
}

async function main() {
  process.env.DATABASE_URL = url;
  const db = createPrismaClient(url!);
  const t0 = performance.now();
  const [gateway, bank] = await load(db, keys);
  const loadMs = performance.now() - t0;
  const ruleSet = await ensureDefaultRuleSet(db);
  const rec = await createReconciliation({ name: 'Bench', sourceIds: [gateway!.id, bank!.id], ruleSetName: ruleSet.name }, null, db);
  const dashboard = () => dashboardData(parseRomiQuery({}), db, { cache: false });

  const fill = await timed(() => runLedgerPass(rec.id, { keys: null, trigger: 'person', db }));

  // A new bank file: the first INCREMENT keys, every other one with a new status.
  const bankSource = await db.source.findUniqueOrThrow({ where: { id: bank!.id }, include: { versions: true } });
  const version = bankSource.versions[0]!;
  const ingestion = await db.ingestion.create({ data: { sourceId: bank!.id, profileVersionId: version.id, channel: 'upload', status: 'processing', rowsValid: INCREMENT } });
  const base = { sourceId: bank!.id, profileVersionId: version.id, ingestionId: ingestion.id, dataset: 'payments', eventId: null, fileSha256: null, occurredAt: null, currency: 'USD', attrs: null, raw: null };
  const rows: RecordRow[] = [];
  for (let s = 0; s < INCREMENT; s++) {
    const r = slot(s).bank;
    const status = s % 2 ? r.status : r.status === 'Paid' ? 'Failed' : 'Paid';
    rows.push({ ...base, line: s + 2, key: r.key, txId: r.key, date: r.date, amountMinor: r.cents, status, code: BANK_CODES[status] });
  }
  await insertRecords(db, rows);
  await db.ingestion.update({ where: { id: ingestion.id }, data: { status: 'committed' } });
  const incKeys = (await db.sourceRecord.findMany({ where: { ingestionId: ingestion.id }, distinct: ['key'], select: { key: true } })).map((r) => r.key);
  const incremental = await timed(() => runLedgerPass(rec.id, { keys: incKeys, trigger: 'ingestion', triggerRef: ingestion.id, db }));
  const incDashboard = await timed(dashboard);

  // Webhook events: one key each, a new bank status.
  const hook: number[] = [];
  for (let i = 0; i < 20; i++) {
    const s = INCREMENT + i * 7;
    const r = slot(s).bank;
    const status = r.status === 'Failed' ? 'Paid' : 'Failed';
    await insertRecords(db, [{ ...base, ingestionId: null, eventId: `evt_bench_${i}`, line: null, key: r.key, txId: r.key, date: r.date, amountMinor: r.cents, status, code: BANK_CODES[status] }]);
    const t = performance.now();
    await runLedgerPass(rec.id, { keys: [r.key], trigger: 'webhook', triggerRef: `evt_bench_${i}`, db });
    await dashboard();
    hook.push(performance.now() - t);
  }

  const full = await timed(() => runLedgerPass(rec.id, { keys: null, trigger: 'person', db }));
  // The same full pass as the job queue runs it on SQLite: in a child process, this one stays free.
  const fullChild = await timed(() => runPassInChild({ reconciliationId: rec.id, keys: null, trigger: 'person', triggerRef: null, actorEmail: null }, url!));
  // Another full pass in a child process, as the job queue runs it, while the app serves pages.
  const pages = await pagesDuring(db, () => runPassInChild({ reconciliationId: rec.id, keys: null, trigger: 'person', triggerRef: null, actorEmail: null }, url!));
  const entries = await db.runResult.count({ where: { runId: rec.ledgerRunId } });
  await closeBulkWriters();
  await db.$disconnect();
  console.log(
    `FIGURES ${JSON.stringify({
      keys,
      entries,
      loadMs,
      fill: { ms: fill.ms, loopMaxMs: fill.loopMaxMs, loopP99Ms: fill.loopP99Ms, created: fill.value.created, autoResolved: fill.value.autoResolved },
      incremental: { ms: incremental.ms, dashboardMs: incDashboard.ms, loopMaxMs: incremental.loopMaxMs, rows: INCREMENT, ...incremental.value },
      webhook: { p50: percentile(hook, 50), p95: percentile(hook, 95), max: Math.max(...hook) },
      fullChild: { ms: fullChild.ms, loopMaxMs: fullChild.loopMaxMs, loopP99Ms: fullChild.loopP99Ms },
      pages,
      full: { ms: full.ms, loopMaxMs: full.loopMaxMs, loopP99Ms: full.loopP99Ms, keysRead: full.value.keysRead, changed: full.value.changed, unchanged: full.value.unchanged },
    })}`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
