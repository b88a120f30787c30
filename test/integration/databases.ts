import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createPrismaClient, type PrismaClient } from '@/lib/db/client';
import { migrateDatabase } from '@/lib/db/migrate';

/**
 * The databases every integration test runs against: always a fresh SQLite file,
 * and a fresh PostgreSQL database next to TEST_POSTGRES_URL when that is set.
 */
export type TestDatabase = { kind: 'sqlite' | 'postgres'; url: string; prisma: PrismaClient; drop: () => Promise<void> };

export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL;
export const DATABASE_KINDS: readonly ('sqlite' | 'postgres')[] = TEST_POSTGRES_URL ? ['sqlite', 'postgres'] : ['sqlite'];

export async function createTestDatabase(kind: 'sqlite' | 'postgres'): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'paidline-test-'));
    const url = `file:${path.join(dir, 'test.db')}`;
    await migrateDatabase(url);
    const prisma = createPrismaClient(url);
    return { kind, url, prisma, drop: async () => { await prisma.$disconnect(); rmSync(dir, { recursive: true, force: true }); } };
  }
  if (!TEST_POSTGRES_URL) throw new Error('TEST_POSTGRES_URL is not set');
  const name = `paidline_t_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  await migrateDatabase(url.toString());
  const prisma = createPrismaClient(url.toString());
  return {
    kind,
    url: url.toString(),
    prisma,
    drop: async () => {
      await prisma.$disconnect();
      const c = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}
