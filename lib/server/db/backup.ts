/**
 * Backups and restores of the whole database, for both kinds:
 * - SQLite: `VACUUM INTO` gives a consistent, compact copy while the app runs (WAL readers are
 *   not blocked); restore checks the copy's integrity and swaps it in with a rename.
 * - PostgreSQL: `pg_dump --format=custom` (consistent snapshot, app keeps running); restore
 *   runs `pg_restore` in one transaction, so a broken restore leaves the target as it was.
 * Every backup gets a manifest (row counts per table, migrations, SHA-256 of the file) that the
 * restore checks the result against. Secrets stay encrypted in the copy: keep PAIDLINE_SECRET_KEY
 * (and AUTH_SECRET) safe separately, or the restored credentials cannot be read.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createClient } from '@libsql/client';
import pg from 'pg';
import { databaseKindOf, libsqlUrl, redactUrl, sqliteFilePath, type DbKind } from './config';
import { migrateDatabase } from './migrate';

export class BackupError extends Error {}

export interface BackupManifest {
  format: 'paidline-backup/1';
  kind: DbKind;
  createdAt: string;
  file: string;
  bytes: number;
  sha256: string;
  migrations: string[];
  tables: Record<string, number>;
}

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const PGDMP_MAGIC = Buffer.from('PGDMP', 'latin1');

async function sha256(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(new BackupError(e.code === 'ENOENT' ? `${cmd} is not installed: install the PostgreSQL client tools (Debian: apt-get install postgresql-client).` : `${cmd}: ${e.message}`)),
    );
    child.on('close', (code) => (code === 0 ? resolve() : reject(new BackupError(`${cmd} failed (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' ')}`))));
  });
}

/** pg tools take the password from the environment, never from the command line (ps would show it). */
function pgToolArgs(url: string): { conn: string[]; env: NodeJS.ProcessEnv } {
  const u = new URL(url);
  const env = { ...process.env };
  if (u.password) env.PGPASSWORD = decodeURIComponent(u.password);
  u.password = '';
  return { conn: ['--dbname', u.toString()], env };
}

/** Row counts per application table and the applied migrations, read from a live database. */
export async function inventory(url: string): Promise<{ tables: Record<string, number>; migrations: string[] }> {
  const kind = databaseKindOf(url);
  const tables: Record<string, number> = {};
  if (kind === 'sqlite') {
    const c = createClient({ url: libsqlUrl(url) });
    try {
      const names = await c.execute(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_prisma_migrations' ORDER BY name`);
      for (const r of names.rows) {
        const name = String(r.name);
        const n = await c.execute(`SELECT COUNT(*) AS n FROM "${name.replace(/"/g, '""')}"`);
        tables[name] = Number(n.rows[0]?.n ?? 0);
      }
      const m = await c.execute(`SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name`).catch(() => ({ rows: [] }));
      return { tables, migrations: m.rows.map((r) => String(r.migration_name)) };
    } finally {
      c.close();
    }
  }
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const names = await c.query<{ name: string }>(
      `SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() AND tablename <> '_prisma_migrations' ORDER BY tablename`,
    );
    for (const { name } of names.rows) {
      const n = await c.query<{ n: string }>(`SELECT COUNT(*) AS n FROM "${name.replace(/"/g, '""')}"`);
      tables[name] = Number(n.rows[0]?.n ?? 0);
    }
    const m = await c
      .query<{ migration_name: string }>(`SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name`)
      .catch(() => ({ rows: [] as { migration_name: string }[] }));
    return { tables, migrations: m.rows.map((r) => r.migration_name) };
  } finally {
    await c.end();
  }
}

export function manifestPath(file: string): string {
  return `${file}.manifest.json`;
}

/** Writes a backup of `url` to `out` (refusing to overwrite), then its manifest beside it. */
export async function backupDatabase(url: string, out: string): Promise<BackupManifest> {
  const kind = databaseKindOf(url);
  const target = path.resolve(out);
  if (fs.existsSync(target)) throw new BackupError(`${out} already exists: choose another file name (backups are never overwritten).`);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const partial = `${target}.partial`;
  fs.rmSync(partial, { force: true });
  // The inventory is read just before the copy; with the app running, a row may land in between,
  // so the manifest records what the copy itself holds (read back from it for SQLite).
  try {
    if (kind === 'sqlite') {
      if (!fs.existsSync(sqliteFilePath(url))) throw new BackupError(`No database at ${sqliteFilePath(url)}: nothing to back up.`);
      const c = createClient({ url: libsqlUrl(url) });
      try {
        await c.execute({ sql: 'VACUUM INTO ?', args: [partial] });
      } finally {
        c.close();
      }
    } else {
      const { conn, env } = pgToolArgs(url);
      await run('pg_dump', ['--format=custom', '--no-owner', '--no-privileges', '--file', partial, ...conn], env);
    }
    fs.renameSync(partial, target);
  } catch (e) {
    fs.rmSync(partial, { force: true });
    if (e instanceof BackupError) throw e;
    throw new BackupError(`Backup of ${redactUrl(url)} failed: ${(e as Error).message}`);
  }
  const inv = kind === 'sqlite' ? await inventory(`file:${target}`) : await inventory(url);
  const manifest: BackupManifest = {
    format: 'paidline-backup/1',
    kind,
    createdAt: new Date().toISOString(),
    file: path.basename(target),
    bytes: fs.statSync(target).size,
    sha256: await sha256(target),
    migrations: inv.migrations,
    tables: inv.tables,
  };
  fs.writeFileSync(manifestPath(target), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

function readManifest(file: string): BackupManifest | null {
  const p = manifestPath(file);
  if (!fs.existsSync(p)) return null;
  try {
    const m = JSON.parse(fs.readFileSync(p, 'utf8')) as BackupManifest;
    if (m.format !== 'paidline-backup/1') throw new Error('unknown format');
    return m;
  } catch {
    throw new BackupError(`${p} is not a Paidline backup manifest: restore without it by moving it away, or use the manifest written with the backup.`);
  }
}

export interface RestoreResult {
  kind: DbKind;
  tables: Record<string, number>;
  /** Migrations applied after the restore (the backup came from an older version). */
  upgraded: string[];
  verified: boolean;
}

async function pgIsEmpty(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query<{ n: string }>(`SELECT COUNT(*) AS n FROM pg_tables WHERE schemaname = current_schema()`);
    return Number(r.rows[0]?.n ?? 0) === 0;
  } finally {
    await c.end();
  }
}

/**
 * Restores `file` into `url`. The target must be empty (no file, or an empty PostgreSQL
 * database) unless `force` replaces it. Checks the file first (kind, SHA-256 against the
 * manifest), never leaves a half-restored target, then applies newer migrations and checks
 * the row counts against the manifest.
 */
export async function restoreDatabase(file: string, url: string, opts: { force?: boolean } = {}): Promise<RestoreResult> {
  const kind = databaseKindOf(url);
  const source = path.resolve(file);
  if (!fs.existsSync(source)) throw new BackupError(`${file} does not exist.`);
  const head = Buffer.alloc(16);
  const fd = fs.openSync(source, 'r');
  try {
    fs.readSync(fd, head, 0, 16, 0);
  } finally {
    fs.closeSync(fd);
  }
  const fileKind: DbKind | null = head.equals(SQLITE_MAGIC) ? 'sqlite' : head.subarray(0, 5).equals(PGDMP_MAGIC) ? 'postgres' : null;
  if (!fileKind) throw new BackupError(`${file} is neither a SQLite database nor a pg_dump archive: is it a Paidline backup?`);
  if (fileKind !== kind) {
    throw new BackupError(`${file} is a ${fileKind} backup but DATABASE_URL points at ${kind}: restore it into a ${fileKind} database (moving between them is an export, not a restore).`);
  }
  const manifest = readManifest(source);
  if (manifest && manifest.sha256 !== (await sha256(source))) {
    throw new BackupError(`${file} does not match its manifest (SHA-256 differs): the backup is damaged or was altered. Nothing was restored.`);
  }

  if (kind === 'sqlite') {
    const target = sqliteFilePath(url);
    if (fs.existsSync(target) && !opts.force) throw new BackupError(`${target} exists: stop the app and pass --force to replace it, or restore into a new file.`);
    // Check the copy before it goes anywhere near the target.
    const check = createClient({ url: `file:${source}` });
    try {
      const ok = await check.execute('PRAGMA integrity_check');
      if (String(ok.rows[0]?.[0]) !== 'ok') throw new BackupError(`${file} fails SQLite's integrity check: ${String(ok.rows[0]?.[0])}. Nothing was restored.`);
    } catch (e) {
      if (e instanceof BackupError) throw e;
      throw new BackupError(`${file} cannot be read as a SQLite database (${(e as Error).message}). Nothing was restored.`);
    } finally {
      check.close();
    }
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const staging = `${target}.restoring`;
    fs.copyFileSync(source, staging);
    for (const s of ['-wal', '-shm']) fs.rmSync(target + s, { force: true });
    fs.renameSync(staging, target);
  } else {
    if (!opts.force && !(await pgIsEmpty(url))) {
      throw new BackupError(`The target database ${redactUrl(url)} is not empty: restore into a new database, or pass --force to replace its contents.`);
    }
    const { conn, env } = pgToolArgs(url);
    const args = ['--single-transaction', '--exit-on-error', '--no-owner', '--no-privileges', ...conn];
    if (opts.force) args.unshift('--clean', '--if-exists');
    await run('pg_restore', [...args, source], env);
  }

  const before = await inventory(url);
  const applied = await migrateDatabase(url);
  const after = await inventory(url);
  let verified = false;
  if (manifest) {
    for (const [table, n] of Object.entries(manifest.tables)) {
      if (before.tables[table] !== n) {
        throw new BackupError(`Restored table ${table} has ${before.tables[table] ?? 'no'} rows, the backup's manifest says ${n}: check the backup before using this database.`);
      }
    }
    verified = true;
  }
  const upgraded = applied.applied.length ? applied.applied : after.migrations.filter((m) => !before.migrations.includes(m));
  return { kind, tables: after.tables, upgraded, verified };
}
