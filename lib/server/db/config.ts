/**
 * Database selection shared by the client, the migrator and the db:* scripts.
 * No Next.js imports here: CLI scripts and tests use this module directly.
 */
import path from 'node:path';

export type DbKind = 'sqlite' | 'postgres';

/** The embedded default, relative to the working directory. */
export const DEFAULT_SQLITE_URL = 'file:./data/paidline.db';

/** The URL to use: the explicit one, else DATABASE_URL, else the SQLite default. */
export function resolveDatabaseUrl(url?: string): string {
  const chosen = url?.trim() || process.env.DATABASE_URL?.trim();
  return chosen ? chosen : DEFAULT_SQLITE_URL;
}

export function databaseKindOf(url: string): DbKind {
  if (/^postgres(ql)?:\/\//i.test(url)) return 'postgres';
  if (/^file:/i.test(url)) return 'sqlite';
  throw new Error(
    `Unsupported DATABASE_URL "${redactUrl(url)}": use file:./path/to.db (SQLite) or postgresql://... (PostgreSQL).`,
  );
}

/** Absolute file path of a SQLite file: URL (relative paths resolve against the working directory). */
export function sqliteFilePath(url: string): string {
  let rest = url.replace(/^file:/i, '');
  const q = rest.indexOf('?');
  if (q >= 0) rest = rest.slice(0, q);
  if (rest.startsWith('//')) rest = rest.replace(/^\/\/(localhost)?/, '');
  if (!rest || rest === ':memory:') throw new Error(`SQLite URL "${url}" has no file path (in-memory databases are not supported).`);
  return path.resolve(/*turbopackIgnore: true*/ process.cwd(), decodeURIComponent(rest));
}

/** libSQL wants file:/absolute/path; normalising avoids surprises when the cwd changes. */
export function libsqlUrl(url: string): string {
  return `file:${sqliteFilePath(url)}`;
}

/**
 * Folder holding sqlite/ and postgres/ (schema.prisma + migrations). Defaults to ./prisma under the
 * working directory; PAIDLINE_PRISMA_DIR overrides it (tests use temp copies).
 */
export function prismaDir(override?: string): string {
  return path.resolve(/*turbopackIgnore: true*/ process.cwd(), override ?? process.env.PAIDLINE_PRISMA_DIR ?? 'prisma');
}

export function migrationsDir(kind: DbKind, prismaDirOverride?: string): string {
  return path.join(prismaDir(prismaDirOverride), kind, 'migrations');
}

export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}
