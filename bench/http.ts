/**
 * The production app under HTTP load, for the bench sections that measure pages (dashboard-load, ledger):
 * build it when needed, start it as `npm start` does on a given database, mint session cookies as Auth.js
 * would after a sign-in, and time requests on loopback.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { encode } from '@auth/core/jwt';
import { Agent, request } from 'undici';

export type BenchUser = { id: string; email: string; name: string; role: string; sessionVersion: number };
export type Sample = { headersMs: number; totalMs: number; status: number };

export const AUTH_SECRET = 'bench-http-load-secret-0123456789abcdef';
const COOKIE = 'authjs.session-token';

export function percentile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((q / 100) * sorted.length) - 1))]!;
}

export function summary(samples: Sample[], key: 'headersMs' | 'totalMs') {
  const xs = samples.map((s) => s[key]).sort((a, b) => a - b);
  return { p50: percentile(xs, 50), p95: percentile(xs, 95), p99: percentile(xs, 99), max: xs[xs.length - 1] ?? NaN };
}

export const ms = (x: number) => (Number.isFinite(x) ? (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(0)} ms`) : 'n/a').padStart(8);

export function statuses(samples: Sample[]): string {
  const counts = new Map<number, number>();
  for (const s of samples) counts.set(s.status, (counts.get(s.status) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k}: ${v}`).join(', ');
}

/** CPU seconds (utime + stime) of a process and all its descendants. */
export function treeCpu(root: number): number {
  const parent = new Map<number, number>();
  const cpu = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(name), Number(f[1]));
      cpu.set(Number(name), (Number(f[11]) + Number(f[12])) / 100);
    } catch {
      /* gone */
    }
  }
  let total = 0;
  for (const [pid, t] of cpu) {
    for (let p: number | undefined = pid; p && p > 1; p = parent.get(p)) {
      if (p === root) {
        total += t;
        break;
      }
    }
  }
  return total;
}

export function ensureBuild(root: string, force: boolean) {
  const distDir = process.env.NEXT_DIST_DIR || '.next';
  if (!force && existsSync(path.join(root, distDir, 'BUILD_ID'))) {
    console.log(`build: using the existing ${distDir} (pass --rebuild after changing the app)`);
    return;
  }
  console.log('build: next build (about a minute)…');
  const t = performance.now();
  const r = spawnSync(process.execPath, [require.resolve('next/dist/bin/next'), 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
  if (r.status !== 0) throw new Error(`next build failed (${r.status})`);
  console.log(`build: done in ${((performance.now() - t) / 1000).toFixed(0)} s`);
}

export async function cookieFor(u: BenchUser): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const token = await encode({
    token: { name: u.name, email: u.email, sub: u.id, uid: u.id, role: u.role, sv: u.sessionVersion, sid: crypto.randomUUID(), authTime: now, lastSeen: now },
    secret: AUTH_SECRET,
    salt: COOKIE,
  });
  return `${COOKIE}=${token}`;
}

export async function startServer(root: string, url: string, port: number, env: Record<string, string>): Promise<ChildProcess> {
  // As `npm start` runs it: the custom server that stamps the socket address (scripts/serve.mjs).
  // BENCH_LOAD_CPU_PROF=<dir> writes the server's CPU profile there (node --cpu-prof).
  const prof = process.env.BENCH_LOAD_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_LOAD_CPU_PROF}`] : [];
  const server = spawn(process.execPath, [...prof, path.join(root, 'scripts/serve.mjs'), '-p', String(port), '-H', '127.0.0.1'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1', DATABASE_URL: url, AUTH_SECRET, PAIDLINE_MFA_REQUIRED_ROLES: '', LOG_LEVEL: 'warn', PAIDLINE_LOG_LEVEL: 'warn', ...env },
  });
  let stderr = '';
  server.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`server exited (${server.exitCode}): ${stderr}`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}/login`);
      await r.arrayBuffer();
      if (r.ok) return server;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`server did not answer /login within 60 s: ${stderr}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function stopServer(server: ChildProcess) {
  if (server.exitCode !== null) return;
  const exited = new Promise((r) => server.once('exit', r));
  server.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (server.exitCode === null) server.kill('SIGKILL');
}

export function client(port: number, connections: number) {
  const agent = new Agent({ connections, pipelining: 1, keepAliveTimeout: 30_000 });
  const origin = `http://127.0.0.1:${port}`;
  async function get(pathname: string, cookie?: string): Promise<Sample> {
    const t = performance.now();
    const res = await request(`${origin}${pathname}`, { dispatcher: agent, headers: cookie ? { cookie } : {}, headersTimeout: 120_000, bodyTimeout: 120_000 });
    const headersMs = performance.now() - t;
    for await (const _ of res.body) {
      /* read it all */
    }
    return { headersMs, totalMs: performance.now() - t, status: res.statusCode };
  }
  return { get, close: () => agent.close() };
}

/** Requests `path` every `everyMs` (one at a time) until stopped; the samples. */
export function observer(get: () => Promise<Sample>, everyMs: number) {
  const samples: Sample[] = [];
  let stop = false;
  const done = (async () => {
    while (!stop) {
      const t = performance.now();
      try {
        samples.push(await get());
      } catch {
        samples.push({ headersMs: NaN, totalMs: NaN, status: 0 });
      }
      const wait = everyMs - (performance.now() - t);
      if (wait > 0 && !stop) await new Promise((r) => setTimeout(r, wait));
    }
  })();
  return { samples, stop: async () => { stop = true; await done; } };
}

