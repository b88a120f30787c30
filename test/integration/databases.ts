import { rmSync } from 'node:fs';
import path from 'node:path';
import { createPrismaClient, type PrismaClient } from '@/lib/server/db/client';
import { migrateDatabase } from '@/lib/server/db/migrate';
import { PG_URL, throwawayPgDatabase, tmpDir } from './db-helpers';
import { bootstrap } from '@/lib/server/bootstrap';

// Job handlers and run-completion steps, as the server and workers register them.
bootstrap();

/**
 * The databases every integration test runs against: always a fresh SQLite file,
 * and a fresh PostgreSQL database next to TEST_POSTGRES_URL when that is set.
 */
export type TestDatabase = { kind: 'sqlite' | 'postgres'; url: string; prisma: PrismaClient; drop: () => Promise<void> };

export const DATABASE_KINDS: readonly ('sqlite' | 'postgres')[] = PG_URL ? ['sqlite', 'postgres'] : ['sqlite'];

export async function createTestDatabase(kind: 'sqlite' | 'postgres'): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    const dir = tmpDir('paidline-test-');
    const url = `file:${path.join(dir, 'test.db')}`;
    await migrateDatabase(url);
    const prisma = createPrismaClient(url);
    return { kind, url, prisma, drop: async () => { await prisma.$disconnect(); rmSync(dir, { recursive: true, force: true }); } };
  }
  if (!PG_URL) throw new Error('TEST_POSTGRES_URL is not set');
  const pg = await throwawayPgDatabase();
  await migrateDatabase(pg.url);
  const prisma = createPrismaClient(pg.url);
  return { kind, url: pg.url, prisma, drop: async () => { await prisma.$disconnect(); await pg.drop(); } };
}
