import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAudit } from '@/lib/server/db/audit';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';

/**
 * The audit log is append-only twice over: the app has no code path that changes or removes an
 * entry, and the database refuses it anyway (triggers in the migrations), so neither a bug nor
 * a compromised app connection can rewrite history.
 */
describe.each(DATABASE_KINDS)('audit log is append-only on %s', (kind) => {
  let db: TestDatabase;
  let id = '';
  beforeAll(async () => {
    db = await createTestDatabase(kind);
    await writeAudit(db.prisma, { actor: null, action: 'resolution.create', entityType: 'RunResult', entityId: 'r1', after: { status: 'Paid' } });
    id = (await db.prisma.auditLog.findFirstOrThrow({ where: { entityId: 'r1' } })).id;
  });
  afterAll(async () => db?.drop());

  const unchanged = async () => {
    const rows = await db.prisma.auditLog.findMany();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id, action: 'resolution.create', after: JSON.stringify({ status: 'Paid' }) });
  };

  it('refuses to change an entry, through the client and in raw SQL', async () => {
    await expect(db.prisma.auditLog.update({ where: { id }, data: { action: 'resolution.undo' } })).rejects.toThrow(/append-only/);
    await expect(db.prisma.auditLog.updateMany({ data: { after: null } })).rejects.toThrow(/append-only/);
    await expect(db.prisma.$executeRawUnsafe(`UPDATE "AuditLog" SET "actorEmail" = 'someone@else'`)).rejects.toThrow(/append-only/);
    await unchanged();
  });

  it('refuses to delete an entry, one or all', async () => {
    await expect(db.prisma.auditLog.delete({ where: { id } })).rejects.toThrow(/append-only/);
    await expect(db.prisma.auditLog.deleteMany({})).rejects.toThrow(/append-only/);
    await expect(db.prisma.$executeRawUnsafe(`DELETE FROM "AuditLog"`)).rejects.toThrow(/append-only/);
    if (kind === 'postgres') await expect(db.prisma.$executeRawUnsafe(`TRUNCATE "AuditLog"`)).rejects.toThrow(/append-only/);
    await unchanged();
  });

  it('a transaction whose audit entry is refused rolls back the change it audited', async () => {
    const user = await db.prisma.user.create({ data: { email: 'ana@example.com', name: 'Ana', role: 'analyst', passwordHash: 'x' } });
    await expect(
      db.prisma.$transaction(async (tx) => {
        await tx.user.update({ where: { id: user.id }, data: { role: 'admin' } });
        await tx.auditLog.update({ where: { id }, data: { action: 'user.role' } });
      }),
    ).rejects.toThrow(/append-only/);
    expect((await db.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).role).toBe('analyst');
  });
});

describe('no app code path changes or removes audit entries', () => {
  it('finds no update, upsert or delete on the audit log outside tests', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        if (['node_modules', 'generated', '.git'].includes(name) || name.startsWith('.next')) continue;
        const p = path.join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.(ts|tsx)$/.test(name) && !/\.test\.tsx?$/.test(name)) {
          const text = readFileSync(p, 'utf8');
          if (/auditLog\s*\.\s*(update|updateMany|upsert|delete|deleteMany)\b/.test(text) || /(UPDATE|DELETE\s+FROM|TRUNCATE)\s+"?AuditLog"?/i.test(text)) {
            offenders.push(path.relative(process.cwd(), p));
          }
        }
      }
    };
    for (const dir of ['app', 'lib', 'scripts', 'tools', 'components']) walk(path.join(process.cwd(), dir));
    expect(offenders).toEqual([]);
  });
});
