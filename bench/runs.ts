/**
 * Bench section "runs": a whole reconciliation run through the job queue on PostgreSQL, worked by
 * one worker process, then by two. Both runs are split into the same key partitions, as many as the
 * app's default sizing gives (partitionsFor: about PAIDLINE_RUN_PARTITION_ROWS input records each, so
 * a worker's memory stays bounded): one worker works them one after another, two share them.
 *
 * Data: a throwaway PostgreSQL database; `rows` records a source for a gateway and a bank, made like
 * bench/reconcile.ts's generator (80% match, 8% status mismatch, 6% amount mismatch, 6% a key missing
 * at the bank paired with one missing at the gateway), loaded straight through insertRecords (COPY),
 * then VACUUM ANALYZE. The load is not what is measured; its rate is printed.
 *
 * Measured, per configuration: workers (`npm run worker`'s scripts/worker.ts under tsx, with the
 * peak-RSS probe) are started and idle first; the clock runs from startRun (run queued) until the
 * results are written (phase auto-resolving) and until the run is completed (summary stored, alerts
 * checked). The ROMI rebuild that follows completion is excluded unless BENCH_RUNS_ROMI=1 (then the
 * clock also runs to phase done). The rule set is the default one saved without automatic rules
 * (BENCH_RUNS_AUTO_RULES=default keeps them: they settle the matched keys, in bulk a thousand a transaction).
 * Printed: wall times, input rows a second, worker CPU and peak RSS (VmHWM) over the run, PostgreSQL's
 * CPU over the run (its processes' utime + stime, approximate), partition times, the speed-up and
 * the machine's load. The two runs' stored summaries must be equal. Between the runs the first
 * run's results are truncated so both write into an empty table.
 *
 * PostgreSQL: BENCH_POSTGRES_URL or TEST_POSTGRES_URL, else the local default server; skipped when unreachable.
 * BENCH_RUNS_DATABASE_URL: a database a previous `runs` bench of the same --rows loaded (kept, e.g.
 * from an interrupted bench: loading 20M records takes about 20 minutes); its runs and queued jobs
 * are deleted first, its records are used as they are and it is not dropped afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPrismaClient, type PrismaClient } from '../lib/server/db/client';
import { closeBulkWriters, insertRecords, type RecordRow } from '../lib/server/db/record-insert';
import { partitionsFor, runSettings, startRun } from '../lib/features/runs';
import { ensureDefaultRuleSet, saveRuleSetVersion } from '../lib/features/runs/rulesets';
import { PgBossQueue } from '../lib/server/jobs';
import { fmtM, fmtRate, fmtS, withBenchDatabase } from './child';
import type { BenchContext, BenchSection } from './run';

// The reconcile bench's deterministic generator: the same kinds of rows, statuses and dates.
import { BANK_CODES, dateOf, GW_CODES, id, pickStatus, rnd, type S } from './reconcile';

type Rec = { key: string; status: S; cents: number; date: string };

/** The gateway's and the bank's record for one slot (same kinds and shares as bench/reconcile.ts). */
export function slot(s: number): { gw: Rec; bank: Rec } {
  const u = rnd(s, 1);
  const status = pickStatus(rnd(s, 2));
  const cents = 100 + Math.floor(rnd(s, 3) * 99_999_900);
  const date = dateOf(s);
  const key = id('TX', s);
  const gw = { key, status, cents, date };
  if (u < 0.8) return { gw, bank: { ...gw } };
  if (u < 0.88) return { gw, bank: { ...gw, status: status === 'Paid' ? 'Pending' : 'Paid' } };
  if (u < 0.94) return { gw, bank: { ...gw, cents: cents + 1 + (s % 500) } };
  return { gw, bank: { key: id('TB', s), status: pickStatus(rnd(s, 4)), cents, date } };
}

export async function load(db: PrismaClient, rows: number) {
  const made: { id: string; name: string }[] = [];
  for (const [name, kind] of [['Gateway', 'gateway'], ['Bank', 'bank']] as const) {
    const source = await db.source.create({ data: { name, kind } });
    const version = await db.sourceProfileVersion.create({ data: { sourceId: source.id, version: 1, profile: '{}' } });
    const ingestion = await db.ingestion.create({ data: { sourceId: source.id, profileVersionId: version.id, channel: 'upload', status: 'committed', rowsValid: rows } });
    made.push({ id: source.id, name });
    const base = { sourceId: source.id, profileVersionId: version.id, ingestionId: ingestion.id, dataset: 'payments', eventId: null, fileSha256: null, occurredAt: null, currency: 'USD', attrs: null, raw: null };
    // The bank's file is in another order than the gateway's (a deterministic shuffle), as in bench/reconcile.ts.
    let perm: Uint32Array | null = null;
    if (kind === 'bank') {
      perm = new Uint32Array(rows);
      for (let i = 0; i < rows; i++) perm[i] = i;
      for (let i = rows - 1; i > 0; i--) {
        const j = Math.floor(rnd(i, 99) * (i + 1));
        const t = perm[i]!;
        perm[i] = perm[j]!;
        perm[j] = t;
      }
    }
    const codes = kind === 'bank' ? BANK_CODES : GW_CODES;
    for (let at = 0; at < rows; at += 20_000) {
      const batch: RecordRow[] = [];
      for (let i = at; i < Math.min(rows, at + 20_000); i++) {
        const pair = slot(perm ? perm[i]! : i);
        const r = kind === 'bank' ? pair.bank : pair.gw;
        batch.push({ ...base, line: i + 2, key: r.key, txId: r.key, date: r.date, amountMinor: r.cents, status: r.status, code: codes[r.status] });
      }
      await insertRecords(db, batch);
    }
  }
  return made;
}

/** CPU seconds (utime + stime) of the running PostgreSQL server processes, by pid. */
function postgresCpu(): Map<number, number> {
  const tick = 100; // USER_HZ on Linux
  const out = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      if (comm !== 'postgres') continue;
      const f = stat.slice(close + 2).split(' ');
      out.set(Number(name), (Number(f[11]) + Number(f[12])) / tick);
    } catch {
      /* gone */
    }
  }
  return out;
}

function cpuSince(before: Map<number, number>, after: Map<number, number>): number {
  let s = 0;
  for (const [pid, t] of after) s += t - (before.get(pid) ?? 0);
  return s;
}

/** A process's CPU seconds so far and its peak RSS so far (VmHWM). */
function procUsage(pid: number): { cpuS: number; hwmMiB: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return { cpuS: (Number(f[11]) + Number(f[12])) / 100, hwmMiB: hwm ? Number(hwm[1]) / 1024 : NaN };
  } catch {
    return { cpuS: NaN, hwmMiB: NaN };
  }
}

type Worker = { child: ChildProcess; exited: Promise<number | null>; rssFile: string };

/** Starts `npm run worker` (scripts/worker.ts under tsx) with the RSS probe; resolves once it works jobs. */
async function startWorker(ctx: BenchContext, url: string, n: number, env: Record<string, string>): Promise<Worker> {
  const rssFile = path.join(ctx.outDir, `runs-worker-${n}.json`);
  rmSync(rssFile, { force: true });
  const child = spawn(process.execPath, ['--require', path.join(ctx.root, 'bench/rss-probe.cjs'), '--import', 'tsx', 'scripts/worker.ts'], {
    cwd: ctx.root,
    env: {
      ...process.env,
      ...env,
      DATABASE_URL: url,
      PAIDLINE_RSS_FILE: rssFile,
      PAIDLINE_SCHEDULER: 'off',
      PAIDLINE_ALERT_LOOP: 'off',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The worker logs JSON lines at warn and above: errors are shown (a run that fails or hangs says why).
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    for (const line of d.split('\n')) if (/"level":(50|60)/.test(line) || (process.env.BENCH_VERBOSE && line)) process.stderr.write(`[worker ${n}] ${line.slice(0, 2000)}\n`);
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      if (process.env.BENCH_VERBOSE) process.stderr.write(`[worker ${n}] ${d}`);
      if ((seen += d).includes('[worker] working')) {
        seen = '';
        resolve();
      }
    });
    void exited.then((code) => reject(new Error(`worker ${n} exited (${code}) before it started working`)));
  });
  return { child, exited, rssFile };
}

/** Stops a worker (SIGTERM: it finishes or abandons its job) and returns its whole-life peak RSS from the probe. */
async function stopWorker(w: Worker): Promise<number> {
  w.child.kill('SIGTERM');
  await w.exited;
  try {
    return (JSON.parse(readFileSync(w.rssFile, 'utf8')) as { maxRssKiB: number }).maxRssKiB / 1024;
  } catch {
    return NaN;
  }
}

/** JSON with object keys sorted, to compare summaries by value. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

type Measured = { label: string; writtenMs: number; completedMs: number; doneMs: number; summary: string; keys: number; workers: { rssMiB: number; cpuS: number; lifeRssMiB: number }[]; pgCpuS: number; parts: string; load: string };

async function measure(ctx: BenchContext, url: string, db: PrismaClient, sources: { id: string }[], ruleSetId: string, workers: number, partitions: number, withRomi: boolean): Promise<Measured> {
  const label = `${workers} worker${workers > 1 ? 's' : ''}, ${partitions} partition${partitions > 1 ? 's' : ''}`;
  // About 1.5 GB of heap per million keys held (a partition's records, its side maps and rows).
  const heapMiB = Math.max(4096, Math.ceil((ctx.rows / 1_000_000) * 1500 / partitions));
  const env = {
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=${heapMiB}`.trim(),
    PAIDLINE_RUN_STALE_SECONDS: '300',
    // Without the ROMI rebuild in the figures, a worker stopped after completion abandons it at once.
    ...(withRomi ? {} : { PAIDLINE_WORKER_SHUTDOWN_SECONDS: '1' }),
  };
  const started = await Promise.all(Array.from({ length: workers }, (_, n) => startWorker(ctx, url, n, env)));
  const admin = await db.user.upsert({ where: { email: 'bench@paidline.local' }, update: {}, create: { email: 'bench@paidline.local', name: 'Bench', passwordHash: '-', role: 'admin' } });
  const queue = new PgBossQueue(url, { db });
  try {
    const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
    const pg0 = postgresCpu();
    const use0 = started.map((w) => procUsage(w.child.pid!));
    let use1 = use0;
    let pg1 = pg0;
    const t0 = performance.now();
    const { id: runId } = await startRun(
      { sources: sources.map((s) => ({ sourceId: s.id })), ruleSetId },
      { id: admin.id, email: admin.email, role: 'admin' },
      { db, partitions, queue },
    );
    let completedMs = 0;
    let writtenMs = 0;
    let last = '';
    for (;;) {
      const run = await db.run.findUniqueOrThrow({ where: { id: runId }, select: { status: true, phase: true, message: true, progress: true, progressTotal: true } });
      if (run.status === 'failed') throw new Error(`run failed: ${run.message}`);
      if (!writtenMs && (run.status === 'completed' || run.phase === 'auto-resolving')) writtenMs = performance.now() - t0;
      if (run.status === 'completed' && !completedMs) {
        completedMs = performance.now() - t0;
        use1 = started.map((w) => procUsage(w.child.pid!));
        pg1 = postgresCpu();
      }
      if (run.status === 'completed' && (run.phase === 'done' || !withRomi)) break;
      const now = `${run.status}/${run.phase}`;
      if (now !== last && process.env.BENCH_VERBOSE) console.log(`  ${((performance.now() - t0) / 1000).toFixed(1)} s: ${now}`);
      last = now;
      await new Promise((r) => setTimeout(r, 200));
    }
    const doneMs = withRomi ? performance.now() - t0 : NaN;
    if (withRomi) {
      use1 = started.map((w) => procUsage(w.child.pid!));
      pg1 = postgresCpu();
    }
    const pgCpuS = cpuSince(pg0, pg1);
    const run = await db.run.findUniqueOrThrow({ where: { id: runId }, include: { parts: { orderBy: { index: 'asc' } } } });
    const results = await db.runResult.count({ where: { runId } });
    if (results !== run.totalKeys) throw new Error(`run wrote ${results} result rows for ${run.totalKeys} keys`);
    const parts = run.parts
      .map((p) => `#${p.index} ${p.rows.toLocaleString('en')} keys ${fmtS(p.finishedAt!.getTime() - p.startedAt!.getTime())}`)
      .join(', ');
    const life = await Promise.all(started.map(stopWorker));
    const workerFigures = use1.map((u, i) => ({ cpuS: u.cpuS - use0[i]!.cpuS, rssMiB: u.hwmMiB, lifeRssMiB: life[i]! }));
    return { label, writtenMs, completedMs, doneMs, summary: run.summary ?? '', keys: run.totalKeys, workers: workerFigures, pgCpuS, parts, load };
  } finally {
    await queue.stop(1000).catch(() => undefined);
    for (const w of started) if (w.child.exitCode === null) w.child.kill('SIGTERM');
  }
}

/** The sources of a database loaded by an earlier bench, after deleting its runs and queued jobs. */
async function reuse(db: PrismaClient, rows: number): Promise<{ id: string; name: string }[]> {
  const sources = await db.source.findMany({ where: { name: { in: ['Gateway', 'Bank'] } }, orderBy: { name: 'desc' }, select: { id: true, name: true } });
  const records = await db.sourceRecord.count();
  if (sources.length !== 2 || records !== 2 * rows) {
    throw new Error(`BENCH_RUNS_DATABASE_URL holds ${records} records in ${sources.length} bench sources; a runs bench of --rows ${rows} needs ${2 * rows} in Gateway and Bank.`);
  }
  await db.$executeRawUnsafe('TRUNCATE "RunResult", "RunPartition", "Run" CASCADE');
  const boss = await db.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'pgboss' AND table_name = 'job'`);
  if (Number(boss[0]?.n ?? 0)) await db.$executeRawUnsafe('DELETE FROM pgboss.job');
  return sources;
}

export const section: BenchSection = {
  name: 'runs',
  description: 'end-to-end run on PostgreSQL through the job queue (queued -> completed): the same key partitions worked by 1 worker, then by 2',
  async run(ctx: BenchContext) {
    const kept = process.env.BENCH_RUNS_DATABASE_URL?.trim();
    const inDatabase = kept
      ? async (fn: (url: string) => Promise<void>) => {
          const { migrateDatabase } = await import('@/lib/server/db/migrate');
          await migrateDatabase(kept);
          await fn(kept);
        }
      : (fn: (url: string) => Promise<void>) => withBenchDatabase('postgres', fn);
    await inDatabase(async (url) => {
      const db = createPrismaClient(url, { poolSize: 4 });
      try {
        let sources: { id: string; name: string }[];
        if (kept) {
          sources = await reuse(db, ctx.rows);
          console.log(`load: reusing ${(2 * ctx.rows).toLocaleString('en')} records in BENCH_RUNS_DATABASE_URL (its runs and jobs deleted)`);
        } else {
          const t = performance.now();
          sources = await load(db, ctx.rows);
          const loadMs = performance.now() - t;
          await closeBulkWriters();
          await db.$executeRawUnsafe('VACUUM ANALYZE');
          console.log(`load: ${(2 * ctx.rows).toLocaleString('en')} records (${ctx.rows.toLocaleString('en')} a source) through insertRecords (COPY) in ${fmtS(loadMs)}: ${fmtRate(2 * ctx.rows, loadMs)} (not the measured part)`);
        }
        const input = 2 * ctx.rows;
        // The ROMI rebuild after completion (all results in memory, credits written through Prisma) is
        // excluded unless BENCH_RUNS_ROMI=1: the clock stops when the run is completed.
        const withRomi = process.env.BENCH_RUNS_ROMI === '1';
        console.log(`ROMI rebuild: ${withRomi ? 'included (clock stops at phase done)' : 'excluded (clock stops at status completed; BENCH_RUNS_ROMI=1 to include it)'}`);
        // The default rules auto-settle matched keys (a resolution and an audit row each, in bulk):
        // BENCH_RUNS_AUTO_RULES=default keeps them; by default a version without them.
        const rules = await ensureDefaultRuleSet(db);
        const ruleSetId = process.env.BENCH_RUNS_AUTO_RULES === 'default' ? rules.id : (await saveRuleSetVersion({ definition: rules.definition, autoRules: [] }, { actor: null, db })).id;
        console.log(`rule set: ${process.env.BENCH_RUNS_AUTO_RULES === 'default' ? `default, automatic rules ${rules.autoRules.join(', ')}` : 'default rules without automatic resolution (BENCH_RUNS_AUTO_RULES=default to keep them)'}`);
        const out: Measured[] = [];
        // The app's own sizing (default PAIDLINE_RUN_PARTITION_ROWS), the same for both runs.
        const partitions = partitionsFor(input, runSettings());
        for (const workers of [1, 2]) {
          const m = await measure(ctx, url, db, sources, ruleSetId, workers, partitions, withRomi);
          out.push(m);
          console.log(
            `${m.label.padEnd(22)} read+reconciled+written ${fmtS(m.writtenMs)} (${fmtRate(input, m.writtenMs)}), completed ${fmtS(m.completedMs)} (${fmtRate(input, m.completedMs)})${withRomi ? `, with ROMI rebuild ${fmtS(m.doneMs)} (${fmtRate(input, m.doneMs)})` : ''}; ` +
              `${m.keys.toLocaleString('en')} keys; worker CPU ${m.workers.map((w) => fmtS(w.cpuS * 1000)).join(' + ')}, peak RSS ${m.workers.map((w) => fmtM(w.rssMiB)).join(' / ')} (whole life incl. start-up: ${m.workers.map((w) => fmtM(w.lifeRssMiB)).join(' / ')}); ` +
              `PostgreSQL CPU ~${m.pgCpuS.toFixed(1)} s; load before ${m.load}${m.parts ? `; partitions: ${m.parts}` : ''}`,
          );
          // Both runs write into an empty result table.
          await db.$executeRawUnsafe('TRUNCATE "RunResult" CASCADE');
        }
        const [a, b] = out as [Measured, Measured];
        // Equal values; key order may differ (a merged summary adds actions in partition order).
        const same = a.summary !== '' && canonical(JSON.parse(a.summary)) === canonical(JSON.parse(b.summary));
        console.log(`speed-up 2 workers / 1 worker (${partitions} partition${partitions > 1 ? 's' : ''} each): ${(a.writtenMs / b.writtenMs).toFixed(2)}x to results written, ${(a.completedMs / b.completedMs).toFixed(2)}x to completed${withRomi ? `, ${(a.doneMs / b.doneMs).toFixed(2)}x with ROMI rebuild` : ''}; machine: ${os.cpus().length} cores, load now ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
        console.log(`summaries equal: ${same ? 'yes' : 'NO'}`);
        if (!same) {
          console.log(`  1 worker : ${a.summary}\n  2 workers: ${b.summary}`);
          process.exitCode = 1;
        }
      } finally {
        await db.$disconnect();
        await closeBulkWriters();
      }
    });
  },
};
