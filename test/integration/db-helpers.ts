import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createDatabaseRetrying } from '../../scripts/db/tooling';

export const PG_URL = process.env.TEST_POSTGRES_URL?.trim() || '';
export const ROOT = path.resolve(__dirname, '../..');

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

async function admin(sql: string | ((c: pg.Client) => Promise<void>)): Promise<void> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    if (typeof sql === 'string') await c.query(sql);
    else await sql(c);
  } finally {
    await c.end();
  }
}

/** Creates a throwaway database on TEST_POSTGRES_URL's server; returns its URL and a dropper. */
export async function throwawayPgDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `paidline_test_${Date.now()}_${crypto.randomBytes(3).toString('hex')}`;
  await admin((c) => createDatabaseRetrying(c, name));
  return { url: withDatabase(PG_URL, name), drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

/** Copies prisma/ to <tmp>/prisma (never touch the real one); returns the copy's path. */
export function copyPrismaDir(): string {
  const dest = path.join(tmpDir('paidline_prisma_'), 'prisma');
  fs.cpSync(path.join(ROOT, 'prisma'), dest, { recursive: true });
  return dest;
}

const tsxCli = createRequire(path.join(ROOT, 'package.json')).resolve('tsx/cli');

/** Runs a scripts/db/*.ts script as `npm run db:*` would, against a prisma folder copy. */
export function runDbScript(script: string, args: string[], env: Record<string, string | undefined>) {
  const { DATABASE_URL: _omit, ...base } = process.env;
  const r = spawnSync(process.execPath, [tsxCli, path.join(ROOT, 'scripts/db', script), ...args], {
    cwd: ROOT,
    env: { ...base, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}
