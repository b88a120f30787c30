/**
 * Bench section "ingest": a deterministic Stripe-style export (`rows` rows, about
 * 80 bytes a row) ingested through the app's real path (stream to disk + SHA-256,
 * preview, profile, validation, batched inserts, commit) into a fresh SQLite file
 * and a fresh PostgreSQL database, each in a child process; the peak RSS of every process of its tree
 * (the upload process of a large file included).
 * Peers, in the same run, each database's own bulk loader (sqlite3 .import, psql \copy):
 *  - reading the same file into a plain table of text columns (no validation, provenance or index);
 *  - loading the rows the app stored (exported from it) into a copy of the app's record table, with
 *    its indexes: what the database itself needs to write them, the floor of any client.
 * The app's rate is the upload's own time (the file streamed in and hashed, previewed, mapped,
 * validated, written, committed), measured in the child; the process's wall time is printed beside.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { BenchContext, BenchSection } from './run';
import { fmtM, fmtRate, fmtS, runChild, treeUsage, writeLines } from './child';

const HEADER = 'id,Created (UTC),Amount,Currency,Status,Customer Email,Description\n';
const STATUSES = ['Paid', 'Paid', 'Paid', 'Paid', 'Failed', 'Refunded', 'Paid', 'Paid', 'Paid', 'Paid'];

function line(i: number): string {
  const day = 1 + (i % 28);
  const cents = 100 + ((i * 7919) % 9_999_900);
  const amount = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
  return `ch_${String(i).padStart(12, '0')},2024-${String(1 + (i % 12)).padStart(2, '0')}-${String(day).padStart(2, '0')} ${String(i % 24).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00,${amount},usd,${STATUSES[i % 10]},customer${i % 50_000}@example.com,Order #${i}\n`;
}

async function generate(file: string, rows: number): Promise<void> {
  const marker = `${file}.json`;
  if (existsSync(file) && existsSync(marker) && readFileSync(marker, 'utf8') === String(rows)) return;
  await writeLines(file, HEADER, rows, line);
  writeFileSync(marker, String(rows));
}

function timed(cmd: string, args: string[], input?: string): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  return performance.now() - t0;
}

async function pgAvailable(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

export const section: BenchSection = {
  name: 'ingest',
  description: 'CSV upload ingested through the app path vs the database\'s own bulk loader (SQLite and PostgreSQL)',
  async run(ctx: BenchContext) {
    const rows = ctx.rows;
    const dir = path.join(ctx.outDir, 'ingest');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `payments-${rows}.csv`);
    await generate(file, rows);
    console.log(`file: ${rows.toLocaleString('en')} rows, ${(statSync(file).size / 2 ** 20).toFixed(1)} MiB`);
    const probe = path.join(ctx.root, 'bench/rss-probe.cjs');
    const rssFile = path.join(dir, 'rss.json');
    // Every Node process of the upload's tree carries the probe: a large file is read in a process of
    // its own (scripts/ingest-records.ts), where the rows' memory is.
    const treeEnv = (kind: string) => {
      const rssDir = path.join(dir, `rss-${kind}`);
      rmSync(rssDir, { recursive: true, force: true });
      mkdirSync(rssDir);
      return { rssDir, env: { PAIDLINE_UPLOAD_DIR: path.join(dir, 'uploads'), PAIDLINE_RSS_DIR: rssDir, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${probe}`.trim() } };
    };
    const peaks = (rssDir: string) => {
      const tree = treeUsage(rssDir);
      return `peak RSS ${fmtM(Math.max(...tree.map((t) => t.maxRssMiB)))} (${tree.map((t) => `${t.script} ${fmtM(t.maxRssMiB)}`).join(', ')})`;
    };

    // SQLite
    const sqliteDb = path.join(dir, 'app.db');
    for (const s of ['', '-wal', '-shm']) rmSync(sqliteDb + s, { force: true });
    const sqliteTree = treeEnv('sqlite');
    const app = await runChild('ingest sqlite', ['--import', 'tsx', 'bench/ingest-child.ts', `file:${sqliteDb}`, file], ctx.root, rssFile, sqliteTree.env);
    const { rows: appRows, ms: appMs } = JSON.parse(app.stdout) as { rows: number; ms: number };
    const peerDb = path.join(dir, 'peer.db');
    rmSync(peerDb, { force: true });
    const peerMs = timed('sqlite3', [peerDb], `.mode csv\n.import ${file} payments\n`);
    // The stored rows into a copy of the record table, indexes included.
    const stored = path.join(dir, 'records.csv');
    const tableDb = path.join(dir, 'peer-table.db');
    rmSync(tableDb, { force: true });
    timed('sqlite3', [sqliteDb], `.mode csv\n.headers off\n.output ${stored}\nSELECT * FROM "SourceRecord";\n`);
    const schema = spawnSync('sqlite3', [sqliteDb, '.schema SourceRecord'], { encoding: 'utf8' }).stdout;
    timed('sqlite3', [tableDb], `PRAGMA journal_mode=WAL;\n${schema}\n`);
    const tableMs = timed('sqlite3', [tableDb], `.mode csv\n.import ${stored} SourceRecord\n`);
    console.log(`sqlite   app ingest : ${fmtRate(appRows, appMs)} (${fmtS(appMs)} upload to commit; process ${fmtS(app.wallMs)}), ${peaks(sqliteTree.rssDir)}`);
    console.log(`sqlite   peer .import, plain table : ${fmtRate(rows, peerMs)} (${fmtS(peerMs)}); app/peer time ${(appMs / peerMs).toFixed(1)}x`);
    console.log(`sqlite   peer .import, record table: ${fmtRate(rows, tableMs)} (${fmtS(tableMs)}); app/peer time ${(appMs / tableMs).toFixed(1)}x`);
    if (appRows !== rows) process.exitCode = 1;

    // PostgreSQL
    const base = process.env.BENCH_POSTGRES_URL ?? process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
    if (!(await pgAvailable(base))) {
      console.log(`postgres: not reachable at ${base.replace(/\/\/[^@]*@/, '//')}; skipped`);
      return;
    }
    const name = `paidline_bench_${Date.now()}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    const url = new URL(base);
    url.pathname = `/${name}`;
    try {
      const pgTree = treeEnv('postgres');
      const pgApp = await runChild('ingest postgres', ['--import', 'tsx', 'bench/ingest-child.ts', url.toString(), file], ctx.root, rssFile, pgTree.env);
      const { rows: pgRows, ms: pgMs } = JSON.parse(pgApp.stdout) as { rows: number; ms: number };
      const cols = HEADER.trim().split(',').map((c) => `"${c}" text`).join(', ');
      const pgPeerMs = timed('psql', [url.toString(), '-v', 'ON_ERROR_STOP=1', '-q', '-c', `CREATE TABLE peer (${cols})`, '-c', `\\copy peer FROM '${file}' CSV HEADER`]);
      const stored = path.join(dir, 'records.pg.txt');
      timed('psql', [url.toString(), '-v', 'ON_ERROR_STOP=1', '-q', '-c', `\\copy (SELECT * FROM "SourceRecord") TO '${stored}'`, '-c', 'CREATE TABLE peer_records (LIKE "SourceRecord" INCLUDING ALL)']);
      const pgTableMs = timed('psql', [url.toString(), '-v', 'ON_ERROR_STOP=1', '-q', '-c', `\\copy peer_records FROM '${stored}'`]);
      console.log(`postgres app ingest : ${fmtRate(pgRows, pgMs)} (${fmtS(pgMs)} upload to commit; process ${fmtS(pgApp.wallMs)}), ${peaks(pgTree.rssDir)}`);
      console.log(`postgres peer \\copy, plain table : ${fmtRate(rows, pgPeerMs)} (${fmtS(pgPeerMs)}); app/peer time ${(pgMs / pgPeerMs).toFixed(1)}x`);
      console.log(`postgres peer \\copy, record table: ${fmtRate(rows, pgTableMs)} (${fmtS(pgTableMs)}); app/peer time ${(pgMs / pgTableMs).toFixed(1)}x`);
      if (pgRows !== rows) process.exitCode = 1;
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    }
  },
};
