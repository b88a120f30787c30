/**
 * Bench section "ledger" (issue 18): the reconciled ledger at BENCH_LEDGER_KEYS keys (100,000 by
 * default; the issue's goals are stated at 1,000,000), on SQLite and PostgreSQL, each in a child
 * process with the peak-RSS probe (bench/ledger-child.ts says what is measured).
 *
 * Printed beside their peers, measured in the same run:
 *  - a 10,000-row bank file: its incremental pass plus the dashboard's read, beside a full
 *    re-reconciliation of the same ledger (the work a run did before the ledger);
 *  - a webhook event: its one-key pass plus the dashboard's read, p50/p95 over 20 events;
 *  - the first full pass (every entry created, automatic rules, the ROMI aggregate built);
 *  - the event loop's longest stall during the full passes: what any other request served by the
 *    same process waits while a pass works (passes run in the job queue, in the web process on SQLite);
 *  - the floor: the reconcile CLI on the same records (no database), printed first;
 *  - the production app's /dashboard, /discrepancies and /api/health while another full pass runs in a
 *    child process (goals p95 < 500, 500 and 200 ms), beside the same pages on the idle app.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fmtM, fmtS, runChild, withBenchDatabase } from './child';
import { generate } from './reconcile';
import type { BenchContext, BenchSection } from './run';

type Figures = {
  keys: number;
  entries: number;
  loadMs: number;
  fill: { ms: number; loopMaxMs: number; loopP99Ms: number; created: number; autoResolved: number };
  incremental: { ms: number; dashboardMs: number; loopMaxMs: number; rows: number; keysRead: number; changed: number; reopened: number; unchanged: number };
  webhook: { p50: number; p95: number; max: number };
  full: { ms: number; loopMaxMs: number; loopP99Ms: number; keysRead: number; changed: number; unchanged: number };
  fullChild: { ms: number; loopMaxMs: number; loopP99Ms: number };
  pages: { idle: PageTimes; busy: PageTimes; workMs: number };
};
type PageTimes = Record<'dashboard' | 'discrepancies' | 'health', { p50: number; p95: number; max: number; n: number; failed: number }>;
const GOALS = { dashboard: 500, discrepancies: 500, health: 200 } as const;

const msf = (x: number) => (x >= 1000 ? fmtS(x) : `${x.toFixed(0)} ms`);

export const section: BenchSection = {
  name: 'ledger',
  description: 'the reconciled ledger: an incremental pass for a 10k-row file and for a webhook event beside a full re-reconciliation, the first fill, and the event loop during passes',
  async run(ctx: BenchContext) {
    const keys = Number(process.env.BENCH_LEDGER_KEYS ?? 100_000);
    const probe = path.join(ctx.root, 'bench/rss-probe.cjs');
    const rssFile = path.join(ctx.outDir, 'ledger-rss.json');
    // The floor: the reconcile CLI on the same records (bench/reconcile.ts's generator; the ledger
    // children load the same slots), CSV in, per-key CSV out, no database.
    const dir = path.join(ctx.outDir, `reconcile-${keys}`);
    const csv = await generate(dir, keys);
    const { ensureBundle } = createRequire(__filename)('../tools/reconcile-cli/bundle.cjs') as { ensureBundle: (entry: string) => string };
    const cli = await runChild('reconcile CLI', ['--require', probe, ensureBundle('tools/reconcile-cli/reconcile.ts'), csv.gw, csv.bank, '--out', path.join(dir, 'engine-result.csv'), '--json'], ctx.root, rssFile);
    console.log(`floor: the reconcile CLI on the same ${keys.toLocaleString('en')} x ${keys.toLocaleString('en')} records (CSV in, per-key CSV out): ${fmtS(cli.wallMs)}, peak RSS ${fmtM(cli.maxRssMiB)}`);
    // BENCH_LEDGER_DATABASES=sqlite (or postgres) measures one database only.
    const only = (process.env.BENCH_LEDGER_DATABASES ?? 'sqlite,postgres').split(',').map((s) => s.trim());
    for (const kind of (['sqlite', 'postgres'] as const).filter((k) => only.includes(k))) {
      await withBenchDatabase(kind, async (url) => {
        const child = await runChild(`ledger ${kind}`, ['--require', probe, '--import', 'tsx', 'bench/ledger-child.ts', url, String(keys)], ctx.root, rssFile, { PAIDLINE_LOG_LEVEL: 'warn', LOG_LEVEL: 'warn' });
        const line = child.stdout.split('\n').find((l) => l.startsWith('FIGURES '));
        if (!line) throw new Error(`ledger ${kind}: no figures`);
        const f = JSON.parse(line.slice(8)) as Figures;
        const total = f.incremental.ms + f.incremental.dashboardMs;
        console.log(`\n${kind}: a ledger of ${f.entries.toLocaleString('en')} entries (${f.keys.toLocaleString('en')} keys a source, loaded in ${fmtS(f.loadMs)})`);
        console.log(`  10,000-row bank file, commit to dashboard : ${msf(total)} (pass ${msf(f.incremental.ms)}: ${f.incremental.keysRead.toLocaleString('en')} keys read, ${f.incremental.changed + f.incremental.reopened} changed or reopened, ${f.incremental.unchanged} unchanged; dashboard read ${msf(f.incremental.dashboardMs)})`);
        console.log(`  peer: full re-reconciliation, same ledger : ${msf(f.full.ms)} (${f.full.keysRead.toLocaleString('en')} keys read)  -> incremental is ${(f.full.ms / total).toFixed(1)}x faster`);
        console.log(`  webhook event, pass + dashboard read      : p50 ${msf(f.webhook.p50)}  p95 ${msf(f.webhook.p95)}  max ${msf(f.webhook.max)}`);
        console.log(`  first full pass (fill, rules, ROMI build) : ${msf(f.fill.ms)} (${f.fill.created.toLocaleString('en')} created, ${f.fill.autoResolved.toLocaleString('en')} settled by rules)`);
        console.log(`  event loop stall during full passes       : fill max ${msf(f.fill.loopMaxMs)} (p99 ${msf(f.fill.loopP99Ms)}), full max ${msf(f.full.loopMaxMs)} (p99 ${msf(f.full.loopP99Ms)}) in this process`);
        console.log(`  the full pass in a child process          : ${msf(f.fullChild.ms)}, event loop stall max ${msf(f.fullChild.loopMaxMs)} (p99 ${msf(f.fullChild.loopP99Ms)})`);
        console.log(`  pages while a full pass runs (${msf(f.pages.workMs)}) in a child process, each every 100 ms, beside the idle app:`);
        for (const k of ['dashboard', 'discrepancies', 'health'] as const) {
          const b = f.pages.busy[k];
          const i = f.pages.idle[k];
          const label = k === 'health' ? '/api/health' : `/${k}`;
          console.log(`    ${label.padEnd(16)} p50 ${msf(b.p50).padStart(7)}  p95 ${msf(b.p95).padStart(7)}  max ${msf(b.max).padStart(7)} (${b.n} answers${b.failed ? `, ${b.failed} failed` : ''}); idle p95 ${msf(i.p95)}; goal p95 < ${GOALS[k]} ms: ${b.failed === 0 && b.p95 < GOALS[k] ? 'met' : 'NOT met'}`);
        }
        console.log(`  peak RSS of the process (load included)   : ${fmtM(child.maxRssMiB)}`);
      });
    }
  },
};
