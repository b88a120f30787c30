import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeSchemas } from '@/lib/server/db/schemas';
import { PG_URL, copyPrismaDir, runDbScript } from './db-helpers';

const NEW_FIELD = '  nickname         String?\n';

function addFieldToUser(prismaDir: string): void {
  const file = path.join(prismaDir, 'models.prisma');
  const src = fs.readFileSync(file, 'utf8');
  const next = src.replace(/(model User \{\n)/, `$1${NEW_FIELD}`);
  expect(next).not.toBe(src);
  fs.writeFileSync(file, next);
}

// Without TEST_POSTGRES_URL, point the PostgreSQL check at a closed port so the result is deterministic.
const pgEnv = { TEST_POSTGRES_URL: PG_URL || 'postgresql://postgres@127.0.0.1:1/postgres' };

// Each case spawns tsx + the WASM engine (~1 s; db:new also runs prisma generate).
describe('db:check', { timeout: 60_000 }, () => {
  const copies: string[] = [];
  const copy = () => {
    const dir = copyPrismaDir();
    copies.push(path.dirname(dir));
    return dir;
  };
  afterAll(() => copies.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it('passes on the clean tree', () => {
    const r = runDbScript('check.ts', [], { ...pgEnv, PAIDLINE_PRISMA_DIR: copy() });
    expect(r.out).toContain('ok   sqlite');
    if (PG_URL) expect(r.out).toContain('ok   postgres');
    else expect(r.out).toMatch(/SKIPPED postgres/);
    expect(r.status).toBe(0);
  });

  it('fails when models.prisma gains a field and the schema files were not regenerated', () => {
    const dir = copy();
    addFieldToUser(dir);
    const r = runDbScript('check.ts', [], { ...pgEnv, PAIDLINE_PRISMA_DIR: dir });
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/out of date with models\.prisma/);
  });

  it('fails when models.prisma gains a field that no migration captures', () => {
    const dir = copy();
    addFieldToUser(dir);
    writeSchemas(dir);
    const r = runDbScript('check.ts', [], { ...pgEnv, PAIDLINE_PRISMA_DIR: dir });
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/FAIL sqlite: models\.prisma has changes that no migration/);
    expect(r.out).toContain('"nickname" TEXT');
    if (PG_URL) expect(r.out).toMatch(/FAIL postgres: models\.prisma has changes/);
  });

  it('can be required to check PostgreSQL (DB_CHECK_REQUIRE_POSTGRES=1 fails when no server)', () => {
    const r = runDbScript('check.ts', [], {
      TEST_POSTGRES_URL: 'postgresql://postgres@127.0.0.1:1/postgres',
      DB_CHECK_REQUIRE_POSTGRES: '1',
      PAIDLINE_PRISMA_DIR: copy(),
    });
    expect(r.out).toMatch(/SKIPPED postgres/);
    expect(r.status).toBe(1);
  });

  describe.runIf(PG_URL)('db:new (needs TEST_POSTGRES_URL for the shadow database)', () => {
    it('creates a migration for both databases that makes db:check pass again', () => {
      const dir = copy();
      addFieldToUser(dir);
      const r = runDbScript('new.ts', ['add_nickname'], { ...pgEnv, PAIDLINE_PRISMA_DIR: dir });
      expect(r.status, r.out).toBe(0);
      for (const kind of ['sqlite', 'postgres']) {
        const migs = fs.readdirSync(path.join(dir, kind, 'migrations')).filter((n) => n.endsWith('_add_nickname'));
        expect(migs).toHaveLength(1);
        const sql = fs.readFileSync(path.join(dir, kind, 'migrations', migs[0]!, 'migration.sql'), 'utf8');
        expect(sql).toMatch(/"nickname" TEXT/);
      }
      const check = runDbScript('check.ts', [], { ...pgEnv, PAIDLINE_PRISMA_DIR: dir });
      expect(check.status, check.out).toBe(0);
    });
  });
});
