/**
 * Benchmark runner: `npm run bench [-- --rows N] [--only <section>[,<section>]]`.
 * Sections are independent modules; generated data lives under bench/out/ (gitignored).
 * Later issues add sections (ingest, queries) to SECTIONS.
 */
import os from 'node:os';
import path from 'node:path';
import { mkdirSync } from 'node:fs';

export interface BenchContext {
  rows: number;
  outDir: string;
  root: string;
  args: readonly string[];
}

export interface BenchSection {
  name: string;
  description: string;
  run(ctx: BenchContext): Promise<void>;
}

const SECTIONS: Record<string, () => Promise<BenchSection>> = {
  reconcile: async () => (await import('./reconcile')).section,
  discrepancies: async () => (await import('./discrepancies')).section,
  ingest: async () => (await import('./ingest')).section,
  romi: async () => (await import('./romi')).section,
  runs: async () => (await import('./runs')).section,
  'dashboard-load': async () => (await import('./dashboard-load')).section,
  ledger: async () => (await import('./ledger')).section,
  pipeline: async () => (await import('./pipeline')).section,
};

function parseArgs(argv: string[]) {
  let rows = Number(process.env.BENCH_ROWS ?? 1_000_000);
  let only: string[] | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--rows') rows = Number(argv[++i]);
    else if (a.startsWith('--rows=')) rows = Number(a.slice(7));
    else if (a === '--only') only = (argv[++i] ?? '').split(',');
    else if (a.startsWith('--only=')) only = a.slice(7).split(',');
  }
  if (!Number.isInteger(rows) || rows < 1) throw new Error('--rows must be a positive integer');
  return { rows, only };
}

async function main() {
  const argv = process.argv.slice(2);
  const { rows, only } = parseArgs(argv);
  const root = path.resolve(__dirname, '..');
  const outDir = path.join(root, 'bench/out');
  mkdirSync(outDir, { recursive: true });
  const cpus = os.cpus();
  console.log(
    `machine: ${cpus.length} x ${cpus[0]?.model.trim() ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ` +
      `Node ${process.version}, ${os.platform()} ${os.release()}`,
  );
  const names = only ?? Object.keys(SECTIONS);
  for (const name of names) {
    const load = SECTIONS[name];
    if (!load) throw new Error(`unknown section ${name} (have: ${Object.keys(SECTIONS).join(', ')})`);
    const section = await load();
    console.log(`\n== ${section.name}: ${section.description}`);
    await section.run({ rows, outDir, root, args: argv });
  }
}

main().catch((e: unknown) => {
  console.error((e as Error)?.stack ?? e);
  process.exit(1);
});
