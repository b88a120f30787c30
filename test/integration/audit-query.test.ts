import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAudit } from '@/lib/server/db/audit';
import { AUDIT_PAGE_SIZE, auditFilterSchema, auditRowsForExport, queryAudit } from '@/lib/features/audit/query-audit';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';

describe.each(DATABASE_KINDS)('audit log viewer on %s', (kind) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
    const ana = await db.prisma.user.create({ data: { email: 'ana@example.com', name: 'Ana', role: 'analyst', passwordHash: 'x' } });
    for (let i = 0; i < AUDIT_PAGE_SIZE + 5; i++) {
      await writeAudit(db.prisma, { actor: ana, action: 'ingestion.commit', entityType: 'Ingestion', entityId: `ing-${i}` });
    }
    // An entry from an earlier day, written with its time (entries cannot be changed afterwards).
    await db.prisma.auditLog.create({
      data: { action: 'auth.signin.failed', entityType: 'User', after: JSON.stringify({ email: 'x@example.com' }), createdAt: new Date('2024-01-15T10:00:00Z') },
    });
  });
  afterAll(async () => db?.drop());

  const f = (q: Record<string, string>) => auditFilterSchema.parse(q);

  it('filters by action prefix, actor, entity and date, newest first, in pages', async () => {
    const first = await queryAudit(f({ action: 'ingestion.' }), db.prisma);
    expect(first.rows).toHaveLength(AUDIT_PAGE_SIZE);
    expect(first.hasMore).toBe(true);
    const second = await queryAudit(f({ action: 'ingestion.', page: '2' }), db.prisma);
    expect(second.rows).toHaveLength(5);
    expect(second.hasMore).toBe(false);
    expect((await queryAudit(f({ actor: 'ANA@' }), db.prisma)).rows.every((r) => r.actorEmail === 'ana@example.com')).toBe(true);
    expect((await queryAudit(f({ entity: 'ing-7' }), db.prisma)).rows.map((r) => r.entityId)).toEqual(['ing-7']);
    const jan = await queryAudit(f({ from: '2024-01-15', to: '2024-01-15' }), db.prisma);
    expect(jan.rows.map((r) => r.action)).toEqual(['auth.signin.failed']);
    expect((await queryAudit(f({ from: '2024-01-16', to: '2024-01-31' }), db.prisma)).rows).toEqual([]);
  });

  it('ignores malformed filters instead of failing, and exports every matching row', async () => {
    const bad = f({ from: 'yesterday', page: '-3', action: 'x'.repeat(500) });
    expect(bad).toMatchObject({ from: undefined, page: 1, action: undefined });
    let n = 0;
    for await (const row of auditRowsForExport(f({ action: 'ingestion.commit' }), db.prisma)) {
      expect(row.action).toBe('ingestion.commit');
      n++;
    }
    expect(n).toBe(AUDIT_PAGE_SIZE + 5);
  });
});
