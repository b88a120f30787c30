/** Shared by bench sections: run a Node child with the peak-RSS probe, and format figures. */
import { spawn } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

export interface ChildResult {
  wallMs: number;
  maxRssMiB: number;
  /** User + system CPU time of the whole process (all threads). */
  cpuMs: number;
  stdout: string;
}

export function runChild(label: string, args: string[], cwd: string, rssFile: string, env: Record<string, string> = {}): Promise<ChildResult> {
  rmSync(rssFile, { force: true });
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, {
      cwd,
      env: { ...process.env, ...env, PAIDLINE_RSS_FILE: rssFile },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - t0;
      if (code !== 0) return reject(new Error(`${label} exited with ${code}`));
      let maxRssMiB = NaN;
      let cpuMs = NaN;
      try {
        const probe = JSON.parse(readFileSync(rssFile, 'utf8')) as { maxRssKiB: number; cpuMs: number };
        maxRssMiB = probe.maxRssKiB / 1024;
        cpuMs = probe.cpuMs;
      } catch {
        /* probe missing */
      }
      resolve({ wallMs, maxRssMiB, cpuMs, stdout });
    });
  });
}

/** The peak RSS and CPU of every Node process of a tree that ran with the probe in PAIDLINE_RSS_DIR. */
export function treeUsage(dir: string): { script: string; maxRssMiB: number; cpuMs: number }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { script: string; maxRssKiB: number; cpuMs: number })
    .map((u) => ({ script: u.script, maxRssMiB: u.maxRssKiB / 1024, cpuMs: u.cpuMs }));
}

export const fmtS = (ms: number) => (ms / 1000).toFixed(2) + ' s';
export const fmtM = (mib: number) => (Number.isFinite(mib) ? mib.toFixed(0) + ' MiB' : 'n/a');
export const fmtRate = (rows: number, ms: number) => `${Math.round(rows / (ms / 1000)).toLocaleString('en')} rows/s`;

/** Writes a header and generated lines to a file in 1 MiB chunks, honouring back-pressure. */
export async function writeLines(file: string, header: string, rows: number, line: (i: number) => string): Promise<void> {
  const ws = createWriteStream(file);
  let buf = header;
  for (let i = 0; i < rows; i++) {
    buf += line(i);
    if (buf.length > 1 << 20) {
      if (!ws.write(buf)) await new Promise<void>((r) => ws.once('drain', () => r()));
      buf = '';
    }
  }
  ws.write(buf);
  await new Promise<void>((res, rej) => ws.end((e?: Error | null) => (e ? rej(e) : res())));
}

/**
 * A fresh, migrated database for a bench section: a temporary SQLite file, or a throwaway
 * PostgreSQL database on BENCH_POSTGRES_URL / TEST_POSTGRES_URL / the local server. Returns
 * null (with a printed reason) when PostgreSQL is not reachable; cleans up afterwards.
 */
export async function withBenchDatabase<T>(kind: 'sqlite' | 'postgres', fn: (url: string) => Promise<T>): Promise<T | null> {
  const { mkdtempSync } = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { createPgDatabase, DEFAULT_PG_SERVER_URL, dropPgDatabase, pgReachable } = await import('../scripts/db/tooling');
  const { migrateDatabase } = await import('@/lib/server/db/migrate');
  let url: string;
  let cleanup: () => Promise<void>;
  if (kind === 'sqlite') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'paidline-bench-'));
    url = `file:${path.join(dir, 'bench.db')}`;
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const server = process.env.BENCH_POSTGRES_URL?.trim() || process.env.TEST_POSTGRES_URL?.trim() || DEFAULT_PG_SERVER_URL;
    const problem = await pgReachable(server);
    if (problem) {
      console.log(`postgres: skipped (${problem})`);
      return null;
    }
    const name = `paidline_bench_${Date.now()}`;
    url = await createPgDatabase(server, name);
    cleanup = () => dropPgDatabase(server, name);
  }
  try {
    await migrateDatabase(url);
    return await fn(url);
  } finally {
    await cleanup();
  }
}
