/**
 * Bench section "reconcile": deterministic two-source data (gateway and bank,
 * `rows` rows each), then, in child processes, the CLI end to end (read both
 * CSVs, reconcile, write the per-key CSV) and DuckDB doing the same full outer
 * join, classification and CSV write. Prints wall time, peak RSS and the ratio.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { BenchContext, BenchSection } from './run';
import { fmtM, fmtS, runChild, writeLines, type ChildResult } from './child';

const GENERATOR_VERSION = 2;

/** splitmix32-style hash: a deterministic pseudo-random value per (slot, salt). */
export function rnd(slot: number, salt: number): number {
  let z = (Math.imul(slot, 0x9e3779b9) + Math.imul(salt, 0x85ebca6b)) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  z ^= z >>> 15;
  return (z >>> 0) / 4294967296;
}

export const GW_CODES = { Paid: 'succeeded', Pending: 'pending', Failed: 'failed' } as const;
export const BANK_CODES = { Paid: 'Completed', Pending: 'Pending', Failed: 'Failed' } as const;
export type S = keyof typeof GW_CODES;
export const pickStatus = (u: number): S => (u < 0.7 ? 'Paid' : u < 0.9 ? 'Pending' : 'Failed');
const DAY = 86_400_000;
const BASE = Date.UTC(2024, 0, 1);
export const dateOf = (slot: number) => new Date(BASE + (slot % 366) * DAY).toISOString().slice(0, 10);
const money = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
export const id = (prefix: string, slot: number) => prefix + String(slot).padStart(10, '0');

/**
 * Slot kinds: 80% match, 8% status mismatch, 6% amount mismatch, 6% a key
 * missing at the bank paired with a key missing at the gateway (so both files
 * have exactly `rows` rows).
 */
function slotRows(slot: number): { gw: string; bank: string } {
  const u = rnd(slot, 1);
  const status = pickStatus(rnd(slot, 2));
  const cents = 100 + Math.floor(rnd(slot, 3) * 99_999_900);
  const date = dateOf(slot);
  const key = id('TX', slot);
  const gwLine = (k: string, s: S, c: number) => `${k},${date},${money(c)},${GW_CODES[s]}\n`;
  const bankLine = (k: string, s: S, c: number) => `${k},${date},${money(c)},${BANK_CODES[s]}\n`;
  if (u < 0.8) return { gw: gwLine(key, status, cents), bank: bankLine(key, status, cents) };
  if (u < 0.88) {
    const other: S = status === 'Paid' ? 'Pending' : 'Paid';
    return { gw: gwLine(key, status, cents), bank: bankLine(key, other, cents) };
  }
  if (u < 0.94) return { gw: gwLine(key, status, cents), bank: bankLine(key, status, cents + 1 + (slot % 500)) };
  return { gw: gwLine(key, status, cents), bank: bankLine(id('TB', slot), pickStatus(rnd(slot, 4)), cents) };
}


export async function generate(dir: string, rows: number): Promise<{ gw: string; bank: string }> {
  const gw = path.join(dir, 'gateway.csv');
  const bank = path.join(dir, 'bank.csv');
  const marker = path.join(dir, 'generated.json');
  const meta = JSON.stringify({ version: GENERATOR_VERSION, rows });
  if (existsSync(marker) && readFileSync(marker, 'utf8') === meta && existsSync(gw) && existsSync(bank)) {
    console.log(`data: reusing ${path.relative(process.cwd(), dir)}`);
    return { gw, bank };
  }
  mkdirSync(dir, { recursive: true });
  const t0 = performance.now();
  // The bank file is in another order than the gateway's: a deterministic shuffle.
  const perm = new Uint32Array(rows);
  for (let i = 0; i < rows; i++) perm[i] = i;
  for (let i = rows - 1; i > 0; i--) {
    const j = Math.floor(rnd(i, 99) * (i + 1));
    const t = perm[i] as number;
    perm[i] = perm[j] as number;
    perm[j] = t;
  }
  const header = 'TransactionID,Date,Amount,Status\n';
  await writeLines(gw, header, rows, (i) => slotRows(i).gw);
  await writeLines(bank, header, rows, (i) => slotRows(perm[i] as number).bank);
  writeFileSync(marker, meta);
  console.log(`data: generated ${rows.toLocaleString('en')} rows a source in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return { gw, bank };
}


export const section: BenchSection = {
  name: 'reconcile',
  description: 'CLI end to end vs DuckDB full outer join (two sources, CSV in, per-key CSV out)',
  async run(ctx: BenchContext) {
    const dir = path.join(ctx.outDir, `reconcile-${ctx.rows}`);
    const { gw, bank } = await generate(dir, ctx.rows);
    const probe = path.join(ctx.root, 'bench/rss-probe.cjs');
    const rssFile = path.join(dir, 'rss.json');
    // Above a few million keys the default V8 heap limit (~4 GiB) is too small.
    const heap = ctx.rows > 3_000_000 ? [`--max-old-space-size=${Math.ceil((ctx.rows / 1_000_000) * 1200)}`] : [];
    const repeat = Number(process.env.BENCH_REPEAT ?? 1);

    const engineOut = path.join(dir, 'engine-result.csv');
    const duckOut = path.join(dir, 'duckdb-result.csv');
    // Both sides start from an esbuild bundle of their TypeScript, as `npm run reconcile` does
    // (tools/reconcile-cli/bundle.cjs), rather than compiling it under tsx at every start.
    const { ensureBundle } = createRequire(__filename)('../tools/reconcile-cli/bundle.cjs') as {
      ensureBundle: (entry: string, name?: string) => string;
    };
    const engineJs = ensureBundle('tools/reconcile-cli/reconcile.ts');
    const duckJs = ensureBundle('bench/duckdb-child.ts', 'bench-duckdb-child');
    const engineArgs = [...heap, '--require', probe, engineJs, gw, bank, '--out', engineOut, '--json'];
    const duckArgs = ['--require', probe, duckJs, gw, bank, duckOut];

    let best: { engine: ChildResult; duck: ChildResult } | null = null;
    for (let i = 0; i < repeat; i++) {
      const engine = await runChild('engine', engineArgs, ctx.root, rssFile);
      const duck = await runChild('duckdb', duckArgs, ctx.root, rssFile);
      console.log(
        `run ${i + 1}: engine ${fmtS(engine.wallMs)} (cpu ${fmtS(engine.cpuMs)}) ${fmtM(engine.maxRssMiB)}` +
          ` | duckdb ${fmtS(duck.wallMs)} (cpu ${fmtS(duck.cpuMs)}) ${fmtM(duck.maxRssMiB)} | load ${os.loadavg()[0]?.toFixed(2)}`,
      );
      if (!best || engine.wallMs < best.engine.wallMs) best = { engine, duck: best && best.duck.wallMs < duck.wallMs ? best.duck : duck };
      else if (duck.wallMs < best.duck.wallMs) best.duck = duck;
    }
    if (!best) return;
    const { engine, duck } = best;
    const summary = JSON.parse(engine.stdout) as { total: number; matched: number; mismatched: number; missing: Record<string, number> };
    const duckCounts = JSON.parse(duck.stdout) as { total: number; matched: number; mismatched: number; missing: number };
    const engineMissing = Object.values(summary.missing).reduce((a, b) => a + b, 0);
    const agree =
      summary.total === duckCounts.total &&
      summary.matched === duckCounts.matched &&
      summary.mismatched === duckCounts.mismatched &&
      engineMissing === duckCounts.missing;
    console.log(`rows: ${ctx.rows.toLocaleString('en')} a source, keys: ${summary.total.toLocaleString('en')}, matched ${summary.matched.toLocaleString('en')}, mismatched ${summary.mismatched.toLocaleString('en')}, missing ${engineMissing.toLocaleString('en')}`);
    console.log(`counts agree with DuckDB: ${agree ? 'yes' : `NO (duckdb: ${duck.stdout.trim()})`}`);
    console.log(`engine (CLI): wall ${fmtS(engine.wallMs)}, cpu ${fmtS(engine.cpuMs)}, peak RSS ${fmtM(engine.maxRssMiB)}`);
    console.log(`duckdb      : wall ${fmtS(duck.wallMs)}, cpu ${fmtS(duck.cpuMs)}, peak RSS ${fmtM(duck.maxRssMiB)}`);
    console.log(`ratio engine/duckdb: wall ${(engine.wallMs / duck.wallMs).toFixed(2)}x, RSS ${(engine.maxRssMiB / duck.maxRssMiB).toFixed(2)}x`);
    if (!agree) process.exitCode = 1;
  },
};
