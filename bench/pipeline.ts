/**
 * Bench section "pipeline" (issue 21): from files to the dashboard, on SQLite and PostgreSQL, beside
 * DuckDB doing the equivalent SQL on the same files and beside the reconcile CLI (the engine alone).
 *
 * Data (`--rows N`, 1M by default): the reconcile bench's gateway and bank exports (N rows each, the
 * bank shuffled, with status and amount differences and keys missing on either side), CRM deals in
 * Salesforce's export shape for every tenth gateway payment (joined by order number, on four
 * channels), and a year of daily Google Ads spend on five campaigns.
 *
 * Printed, each beside its peer measured in the same run:
 *  - the reconcile CLI on the two payment files (CSV in, per-key CSV out, no database);
 *  - DuckDB: load the four files into a database file, full outer join, classify, aggregate by day and
 *    channel (bench/duckdb-pipeline-child.ts);
 *  - per database, the app's own code (bench/pipeline-child.ts): each upload (rows/s beside the
 *    database's own loader into the same record table: `npm run bench -- --only ingest` measures that
 *    peer), the first full ledger pass (reconcile, classify, automatic rules, ROMI aggregate) with
 *    where it spent its time (the pass's phase timers, lib/features/ledger/phase-clock.ts), the
 *    dashboard's read, the whole pipeline and its ratio to DuckDB and to the CLI, and the peak RSS of
 *    every process of the app's tree (the ingestions of large files run in processes of their own);
 *  - PostgreSQL's CPU while the app worked (the server's processes, from /proc).
 * BENCH_PIPELINE_DATABASES=sqlite (or postgres) measures one database only. BENCH_PIPELINE_WORKERS=N
 * splits the pass's keys between N worker processes (PAIDLINE_LEDGER_WORKERS; default the app's: 2 on
 * a machine with two cores or more).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fmtM, fmtRate, fmtS, runChild, treeUsage, withBenchDatabase, writeLines } from './child';
import { dateOf, generate, id, rnd } from './reconcile';
import type { BenchContext, BenchSection } from './run';

const CHANNELS = ['Paid Search', 'Paid Social', 'Organic', 'Referral'] as const;
const CAMPAIGNS = ['Brand - Search', 'Competitor - Search', 'Generic - Search', 'Retargeting - Search', 'Shopping'] as const;

/** The gateway's amount of a slot, as bench/reconcile.ts writes it. */
const centsOf = (slot: number) => 100 + Math.floor(rnd(slot, 3) * 99_999_900);
const money = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
const usDate = (iso: string) => `${Number(iso.slice(5, 7))}/${Number(iso.slice(8, 10))}/${iso.slice(0, 4)}`;

async function generateRomi(dir: string, rows: number): Promise<{ deals: string; spend: string; dealCount: number }> {
  const deals = path.join(dir, 'deals.csv');
  const spend = path.join(dir, 'spend.csv');
  const dealCount = Math.ceil(rows / 10);
  await writeLines(deals, 'Opportunity ID,Opportunity Name,Account Name,Amount,Stage,Close Date,Created Date,Lead Source,Primary Campaign Source,Order Number,Payment Status\n', dealCount, (i) => {
    const slot = i * 10;
    const channel = CHANNELS[Math.floor(rnd(slot, 7) * CHANNELS.length)]!;
    const campaign = channel === 'Paid Search' ? CAMPAIGNS[slot % CAMPAIGNS.length]! : '';
    const day = dateOf(slot);
    return `006${String(i).padStart(12, '0')},Deal ${i},Account ${i % 5000},${money(centsOf(slot))},Closed Won,${usDate(day)},${usDate(day)},${channel},${campaign},${id('TX', slot)},Invoice Paid\n`;
  });
  const days = 366;
  const lines: string[] = [];
  for (let d = 0; d < days; d++) for (const [c, campaign] of CAMPAIGNS.entries()) lines.push(`${dateOf(d)},${campaign},Enabled,${10 + ((d * 7 + c) % 90)},${500 + ((d * 13 + c) % 900)},USD,$${money(5_000 + ((d * 7919 + c * 104_729) % 50_000))}\n`);
  await writeLines(spend, 'Campaign report\n"January 1, 2024 - December 31, 2024"\nDay,Campaign,Campaign status,Clicks,Impr.,Currency code,Cost\n', lines.length, (i) => lines[i]!);
  return { deals, spend, dealCount };
}

type Upload = { ms: number; rows: number; unknown: number; preset: string | null };
type Figures = {
  uploads: Record<'gateway' | 'bank' | 'crm' | 'ads', Upload>;
  setupMs: number;
  pass: { ms: number; keysRead: number; created: number; autoResolved: number; workers: number; phases: Record<string, number>; rssMiB: Record<string, number> };
  dashboardMs: number;
  rebuild: { ms: number; credits: number; daily: number };
  /** The database writing the kept rows itself (pipeline-child.ts, ownWrites). */
  own: { table: string; rows: number; insertMs: number; indexes: number; indexMs: number }[];
  totalMs: number;
  shown: { netRevenueMinor: string; spendMinor: string; romi: number | null; paidDeals: number; notCountedMinor: string } | null;
};

/** CPU milliseconds (utime + stime) of each running PostgreSQL server process, by pid. */
function postgresCpu(): Map<number, number> {
  const out = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (!readFileSync(`/proc/${name}/comm`, 'utf8').startsWith('postgres')) continue;
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(name), (Number(fields[11]) + Number(fields[12])) * 10); // USER_HZ 100
    } catch {
      /* the process ended */
    }
  }
  return out;
}

/**
 * PostgreSQL's CPU while `work` runs: its processes sampled every 200 ms (a connection's backend exits
 * with its connection, taking its counters along), each counted from its first sample or from zero.
 */
async function postgresCpuDuring<T>(work: () => Promise<T>): Promise<{ value: T; cpuMs: number }> {
  const before = postgresCpu();
  const last = new Map<number, number>();
  const sample = () => {
    for (const [pid, ms] of postgresCpu()) last.set(pid, ms);
  };
  const timer = setInterval(sample, 200);
  try {
    const value = await work();
    sample();
    let cpuMs = 0;
    for (const [pid, ms] of last) cpuMs += ms - (before.get(pid) ?? 0);
    return { value, cpuMs };
  } finally {
    clearInterval(timer);
  }
}

export const section: BenchSection = {
  name: 'pipeline',
  description: 'two payment exports, CRM deals and ad spend from upload to the dashboard (reconciled, rules, ROMI), beside DuckDB doing the equivalent SQL and the reconcile CLI',
  async run(ctx: BenchContext) {
    const dir = path.join(ctx.outDir, `pipeline-${ctx.rows}`);
    mkdirSync(dir, { recursive: true });
    const { gw, bank } = await generate(dir, ctx.rows);
    const { deals, spend, dealCount } = await generateRomi(dir, ctx.rows);
    const mib = (f: string) => (statSync(f).size / 2 ** 20).toFixed(1);
    console.log(`files: gateway ${ctx.rows.toLocaleString('en')} rows (${mib(gw)} MiB), bank ${ctx.rows.toLocaleString('en')} (${mib(bank)} MiB), deals ${dealCount.toLocaleString('en')}, spend ${(366 * CAMPAIGNS.length).toLocaleString('en')}`);
    const probe = path.join(ctx.root, 'bench/rss-probe.cjs');
    const rssFile = path.join(dir, 'rss.json');
    const { ensureBundle } = createRequire(__filename)('../tools/reconcile-cli/bundle.cjs') as { ensureBundle: (entry: string, name?: string) => string };

    const cli = await runChild('reconcile CLI', ['--require', probe, ensureBundle('tools/reconcile-cli/reconcile.ts'), gw, bank, '--out', path.join(dir, 'engine-result.csv'), '--json'], ctx.root, rssFile);
    console.log(`reconcile CLI (engine alone, CSV in, per-key CSV out) : ${fmtS(cli.wallMs)}, peak RSS ${fmtM(cli.maxRssMiB)}`);
    const duckFile = path.join(dir, 'duckdb.db');
    for (const s of ['', '.wal']) rmSync(duckFile + s, { force: true });
    const duck = await runChild('duckdb', ['--require', probe, ensureBundle('bench/duckdb-pipeline-child.ts', 'bench-duckdb-pipeline-child'), gw, bank, deals, spend, duckFile], ctx.root, rssFile);
    const duckOut = JSON.parse(duck.stdout) as { keys: number; matched: number; revenueMinor: number; spendMinor: number; aggregateRows: number };
    console.log(
      `DuckDB (load 4 files, join, classify, aggregate)       : ${fmtS(duck.wallMs)}, peak RSS ${fmtM(duck.maxRssMiB)} (${duckOut.keys.toLocaleString('en')} keys, ${duckOut.aggregateRows.toLocaleString('en')} day x channel rows)`,
    );

    const only = (process.env.BENCH_PIPELINE_DATABASES ?? 'sqlite,postgres').split(',').map((s) => s.trim());
    for (const kind of (['sqlite', 'postgres'] as const).filter((k) => only.includes(k))) {
      await withBenchDatabase(kind, async (url) => {
        const rssDir = path.join(dir, `rss-${kind}`);
        rmSync(rssDir, { recursive: true, force: true });
        mkdirSync(rssDir);
        const { value: app, cpuMs: pgCpu } = await postgresCpuDuring(() => runChild(`pipeline ${kind}`, ['--import', 'tsx', 'bench/pipeline-child.ts', url, gw, bank, deals, spend], ctx.root, rssFile, {
          PAIDLINE_RSS_DIR: rssDir,
          NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${probe}`.trim(),
          PAIDLINE_UPLOAD_DIR: path.join(dir, `uploads-${kind}`),
          PAIDLINE_ROOT: ctx.root,
          PAIDLINE_LOG_LEVEL: 'warn',
          ...(process.env.BENCH_PIPELINE_WORKERS?.trim() ? { PAIDLINE_LEDGER_WORKERS: process.env.BENCH_PIPELINE_WORKERS.trim() } : {}),
          LOG_LEVEL: 'warn',
        }));
        const line = app.stdout.split('\n').find((l) => l.startsWith('FIGURES '));
        if (!line) throw new Error(`pipeline ${kind}: no figures`);
        const f = JSON.parse(line.slice(8)) as Figures;
        const u = f.uploads;
        const uploadsMs = u.gateway.ms + u.bank.ms + u.crm.ms + u.ads.ms;
        console.log(`\n${kind}:`);
        for (const [label, x] of [['gateway', u.gateway], ['bank', u.bank], ['deals (CRM)', u.crm], ['spend (ads)', u.ads]] as const) {
          console.log(`  upload ${label.padEnd(12)}: ${fmtS(x.ms).padStart(8)}  ${fmtRate(x.rows, x.ms).padStart(16)}  (${x.rows.toLocaleString('en')} rows${x.unknown ? `, ${x.unknown.toLocaleString('en')} with an unmapped status` : ''}${x.preset ? `, preset ${x.preset}` : ''})`);
        }
        console.log(`  reconciliation and ROMI settings : ${fmtS(f.setupMs)}`);
        console.log(`  first full pass                  : ${fmtS(f.pass.ms)} (${f.pass.keysRead.toLocaleString('en')} keys, ${f.pass.created.toLocaleString('en')} entries, ${f.pass.autoResolved.toLocaleString('en')} settled by rules, ROMI built${f.pass.workers > 1 ? `; keys split between ${f.pass.workers} worker processes` : ''})`);
        console.log(`    where it went (phase timers${f.pass.workers > 1 ? ', summed over workers' : ''}) : ${Object.entries(f.pass.phases).map(([p, ms]) => `${p} ${fmtS(ms)}`).join(', ')}`);
        console.log(`    resident set by phase (largest): ${Object.entries(f.pass.rssMiB).map(([p, mib]) => `${p} ${fmtM(mib)}`).join(', ')}`);
        console.log(`  dashboard read                   : ${fmtS(f.dashboardMs)}`);
        console.log(`  ROMI rebuilt from the ledger     : ${fmtS(f.rebuild.ms)} (${f.rebuild.credits.toLocaleString('en')} credit rows, ${f.rebuild.daily.toLocaleString('en')} daily rows; the dashboard shows the same figures; not in the total)`);
        const ownMs = f.own.reduce((a, o) => a + o.insertMs + o.indexMs, 0);
        const recordsOwn = f.own.find((o) => o.table === 'SourceRecord');
        const recordsOwnMs = recordsOwn ? recordsOwn.insertMs + recordsOwn.indexMs : 0;
        console.log(`  the database writing the same rows itself (INSERT ... SELECT into empty twins, then their indexes; not in the total): ${fmtS(ownMs)}`);
        for (const o of f.own) console.log(`    ${o.table.padEnd(13)}: ${o.rows.toLocaleString('en').padStart(10)} rows  insert ${fmtS(o.insertMs).padStart(8)}  ${String(o.indexes).padStart(2)} indexes ${fmtS(o.indexMs).padStart(8)}`);
        console.log(`    the uploads beside the records' own write: ${(uploadsMs / recordsOwnMs).toFixed(1)}x; the first full pass beside the rest: ${(f.pass.ms / (ownMs - recordsOwnMs)).toFixed(1)}x; that write alone is ${((ownMs / 60_000) * 100).toFixed(0)}% of the 60-s goal`);
        const shown = f.shown;
        if (shown) console.log(`  dashboard shows                  : revenue ${(Number(shown.netRevenueMinor) / 100).toLocaleString('en')} USD from ${shown.paidDeals.toLocaleString('en')} paid deals, spend ${(Number(shown.spendMinor) / 100).toLocaleString('en')} USD, ROMI ${shown.romi?.toFixed(2) ?? 'n/a'} (DuckDB's SQL, counting keys matched and Paid on both sides only: revenue ${(duckOut.revenueMinor / 100).toLocaleString('en')}, spend ${(duckOut.spendMinor / 100).toLocaleString('en')})`);
        console.log(`  whole pipeline                   : ${fmtS(f.totalMs)} (uploads ${fmtS(uploadsMs)}), ${ctx.rows >= 1_000_000 ? `goal < 60 s: ${f.totalMs < 60_000 ? 'met' : 'NOT met'}` : 'the goal (< 60 s) is stated at 1M rows a file'}; ${(f.totalMs / duck.wallMs).toFixed(1)}x DuckDB, ${(f.totalMs / cli.wallMs).toFixed(1)}x the CLI`);
        const tree = treeUsage(rssDir);
        const peak = Math.max(...tree.map((t) => t.maxRssMiB));
        const byScript = tree.map((t) => `${t.script} ${fmtM(t.maxRssMiB)}`).join(', ');
        console.log(`  peak RSS per process             : ${byScript}; goal < 1 GiB each: ${peak < 1024 ? 'met' : 'NOT met'}`);
        if (kind === 'postgres') console.log(`  PostgreSQL CPU                   : ${fmtS(pgCpu)}`);
      });
    }
  },
};
