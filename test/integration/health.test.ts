/**
 * GET /api/health on SQLite and PostgreSQL: 200 when the database answers and its applied
 * migrations are exactly the shipped ones; 503 with what to do when a migration is pending,
 * when the database is ahead of the build, or when the database does not answer.
 */
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient } from '@/lib/server/db/client';
import { migrationsDir, prismaDir } from '@/lib/server/db/config';
import { checkHealth, shippedMigrations } from '@/lib/server/health';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';
import { tmpDir } from './db-helpers';

describe.each(DATABASE_KINDS)('health on %s', (kind) => {
  let db: TestDatabase;
  let scratch: string;
  const savedUrl = process.env.DATABASE_URL;
  const savedDir = process.env.PAIDLINE_PRISMA_DIR;
  /** A copy of the shipped prisma folder, changed by `change`. */
  const prismaCopy = (name: string, change: (migrations: string) => void) => {
    const dir = path.join(scratch, name);
    cpSync(prismaDir(), dir, { recursive: true });
    change(path.join(dir, kind, 'migrations'));
    return dir;
  };

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    scratch = tmpDir('paidline-health-');
  });
  afterAll(async () => {
    process.env.DATABASE_URL = savedUrl;
    if (savedDir === undefined) delete process.env.PAIDLINE_PRISMA_DIR;
    else process.env.PAIDLINE_PRISMA_DIR = savedDir;
    rmSync(scratch, { recursive: true, force: true });
    await db?.drop();
  });

  it('is ok when every shipped migration is applied and nothing else', async () => {
    const shipped = readdirSync(migrationsDir(kind), { withFileTypes: true }).filter((e) => e.isDirectory()).length;
    expect(shipped).toBeGreaterThan(0);
    expect(shippedMigrations(kind)).toHaveLength(shipped);
    const report = await checkHealth(db.prisma);
    expect(report).toMatchObject({ status: 'ok', database: kind, checks: { database: { ok: true }, migrations: { ok: true, shipped, applied: shipped } } });
    expect(report.checks.migrations.pending).toBeUndefined();
  });

  it('reports a pending migration', async () => {
    const dir = prismaCopy('pending', (m) => {
      mkdirSync(path.join(m, '29991231000000_future_change'));
      writeFileSync(path.join(m, '29991231000000_future_change', 'migration.sql'), 'SELECT 1;\n');
    });
    const report = await checkHealth(db.prisma, { prismaDir: dir });
    expect(report.status).toBe('error');
    expect(report.checks.database.ok).toBe(true);
    expect(report.checks.migrations).toMatchObject({ ok: false, pending: ['29991231000000_future_change'] });
    expect(report.checks.migrations.error).toMatch(/1 migration\(s\) not applied: run `npm run db:migrate`/);
  });

  it('reports a database migrated by a newer build', async () => {
    const newest = shippedMigrations(kind).at(-1)!;
    const dir = prismaCopy('older', (m) => rmSync(path.join(m, newest), { recursive: true }));
    const report = await checkHealth(db.prisma, { prismaDir: dir });
    expect(report.checks.migrations).toMatchObject({ ok: false, unknown: [newest] });
    expect(report.checks.migrations.error).toMatch(/newer version/);
  });

  it('answers 200, then 503 with a clear JSON body, through the route', async () => {
    process.env.DATABASE_URL = db.url;
    const { GET } = await import('@/app/api/health/route');
    const ok = await GET(new Request('http://localhost/api/health', { headers: { 'x-request-id': 'probe-12345678' } }));
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-request-id')).toBe('probe-12345678');
    expect(await ok.json()).toMatchObject({ status: 'ok', database: kind });

    process.env.PAIDLINE_PRISMA_DIR = prismaCopy('route-pending', (m) => {
      mkdirSync(path.join(m, '29991231000000_not_yet'));
      writeFileSync(path.join(m, '29991231000000_not_yet', 'migration.sql'), 'SELECT 1;\n');
    });
    const pending = await GET(new Request('http://localhost/api/health'));
    expect(pending.status).toBe(503);
    expect(await pending.json()).toMatchObject({ status: 'error', checks: { migrations: { ok: false, pending: ['29991231000000_not_yet'] } } });
    if (savedDir === undefined) delete process.env.PAIDLINE_PRISMA_DIR;
    else process.env.PAIDLINE_PRISMA_DIR = savedDir;
  });
});

describe('health without a database', () => {
  it('is 503-worthy and says what to check when the database does not answer', async () => {
    const client = createPrismaClient('postgresql://nobody@127.0.0.1:1/none');
    try {
      const report = await checkHealth(client);
      expect(report).toMatchObject({ status: 'error', database: 'postgres', checks: { database: { ok: false }, migrations: { ok: false } } });
      expect(report.checks.database.error).toMatch(/Check DATABASE_URL/);
    } finally {
      await client.$disconnect();
    }
  });
});
