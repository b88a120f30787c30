import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient } from '@/lib/server/db/client';
import { migrateDatabase } from '@/lib/server/db/migrate';
import { PG_URL, ROOT, throwawayPgDatabase, tmpDir } from './db-helpers';

const migrationNames = (kind: string) =>
  fs
    .readdirSync(path.join(ROOT, 'prisma', kind, 'migrations'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();

async function createAndReadUser(url: string): Promise<void> {
  const prisma = createPrismaClient(url);
  try {
    const email = `ada+${Date.now()}@example.test`;
    const created = await prisma.user.create({
      data: { email, name: 'Ada', passwordHash: 'x', role: 'admin' },
    });
    await prisma.auditLog.create({
      data: { actorId: created.id, actorEmail: email, action: 'user.create', entityType: 'User', entityId: created.id },
    });
    const read = await prisma.user.findUniqueOrThrow({ where: { email }, include: { auditLogs: true } });
    expect(read.id).toBe(created.id);
    expect(read.disabled).toBe(false);
    expect(read.sessionVersion).toBe(0);
    expect(read.createdAt).toBeInstanceOf(Date);
    expect(read.auditLogs).toHaveLength(1);
    // onDelete: Restrict must be enforced by the database on both engines.
    await expect(prisma.user.delete({ where: { id: created.id } })).rejects.toThrow();
  } finally {
    await prisma.$disconnect();
  }
}

describe('migrateDatabase on SQLite', { timeout: 30_000 }, () => {
  const dir = tmpDir('paidline_db_');
  const file = path.join(dir, 'nested', 'data', 'test.db');
  const url = `file:${file}`;
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('creates the folder and file and applies every migration from empty', async () => {
    expect(fs.existsSync(file)).toBe(false);
    const r = await migrateDatabase(url);
    expect(r.kind).toBe('sqlite');
    expect(r.applied).toEqual(migrationNames('sqlite'));
    expect(fs.existsSync(file)).toBe(true);
  });

  it('is a no-op the second time', async () => {
    const r = await migrateDatabase(url);
    expect(r.applied).toEqual([]);
  });

  it('creates and reads a User through the app client (WAL on)', async () => {
    await createAndReadUser(url);
    const prisma = createPrismaClient(url);
    try {
      const rows = await prisma.$queryRawUnsafe<{ journal_mode: string }[]>('PRAGMA journal_mode');
      expect(rows[0]?.journal_mode).toBe('wal');
      const applied = await prisma.$queryRawUnsafe<{ migration_name: string; finished_at: unknown }[]>(
        'SELECT migration_name, finished_at FROM _prisma_migrations ORDER BY migration_name',
      );
      expect(applied.map((m) => m.migration_name)).toEqual(migrationNames('sqlite'));
      expect(applied.every((m) => m.finished_at !== null)).toBe(true);
    } finally {
      await prisma.$disconnect();
    }
  });

  it('accepts a relative file: URL, resolved against the working directory', async () => {
    const cwd = process.cwd();
    const rel = tmpDir('paidline_rel_');
    try {
      process.chdir(rel);
      const r = await migrateDatabase('file:./data/paidline.db', { prismaDir: path.join(ROOT, 'prisma') });
      expect(r.applied.length).toBeGreaterThan(0);
      expect(fs.existsSync(path.join(rel, 'data', 'paidline.db'))).toBe(true);
    } finally {
      process.chdir(cwd);
      fs.rmSync(rel, { recursive: true, force: true });
    }
  });
});

describe.runIf(PG_URL)('migrateDatabase on PostgreSQL (TEST_POSTGRES_URL)', { timeout: 30_000 }, () => {
  let db: Awaited<ReturnType<typeof throwawayPgDatabase>>;
  beforeAll(async () => {
    db = await throwawayPgDatabase();
  }, 30_000);
  afterAll(async () => {
    await db?.drop();
  });

  it('applies every migration from empty', async () => {
    const r = await migrateDatabase(db.url);
    expect(r.kind).toBe('postgres');
    expect(r.applied).toEqual(migrationNames('postgres'));
  });

  it('is a no-op the second time', async () => {
    const r = await migrateDatabase(db.url);
    expect(r.applied).toEqual([]);
  });

  it('records migrations in _prisma_migrations like prisma migrate deploy', async () => {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      const { rows } = await c.query<{ migration_name: string; finished_at: Date | null; rolled_back_at: Date | null }>(
        'SELECT migration_name, finished_at, rolled_back_at FROM _prisma_migrations ORDER BY migration_name',
      );
      expect(rows.map((r) => r.migration_name)).toEqual(migrationNames('postgres'));
      expect(rows.every((r) => r.finished_at && !r.rolled_back_at)).toBe(true);
    } finally {
      await c.end();
    }
  });

  it('creates and reads a User through the app client', async () => {
    await createAndReadUser(db.url);
  });
});
