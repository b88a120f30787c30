import { z } from 'zod';
import { getPrisma } from '@/lib/server/db/client';

type Client = ReturnType<typeof getPrisma>;

/** Filters for the audit log viewer, parsed from URL parameters. */
export const auditFilterSchema = z.object({
  action: z.string().trim().max(100).optional().catch(undefined),
  actor: z.string().trim().max(254).optional().catch(undefined),
  entity: z.string().trim().max(100).optional().catch(undefined),
  from: z.iso.date().optional().catch(undefined),
  to: z.iso.date().optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});
export type AuditFilter = z.infer<typeof auditFilterSchema>;

function where(f: AuditFilter) {
  return {
    ...(f.action ? { action: { startsWith: f.action } } : {}),
    ...(f.actor ? { actorEmail: { startsWith: f.actor.toLowerCase() } } : {}),
    ...(f.entity ? { OR: [{ entityType: f.entity }, { entityId: f.entity }] } : {}),
    ...(f.from || f.to
      ? { createdAt: { ...(f.from ? { gte: new Date(`${f.from}T00:00:00Z`) } : {}), ...(f.to ? { lt: new Date(new Date(`${f.to}T00:00:00Z`).getTime() + 86_400_000) } : {}) } }
      : {}),
  };
}

export const AUDIT_PAGE_SIZE = 50;

export async function queryAudit(f: AuditFilter, db: Client = getPrisma()) {
  const rows = await db.auditLog.findMany({
    where: where(f),
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    skip: (f.page - 1) * AUDIT_PAGE_SIZE,
    take: AUDIT_PAGE_SIZE + 1,
  });
  return { rows: rows.slice(0, AUDIT_PAGE_SIZE), hasMore: rows.length > AUDIT_PAGE_SIZE };
}

/** A page of matching rows, newest first, after a row (the API's cursor pages). */
export async function auditPageAfter(f: Omit<AuditFilter, 'page'>, opts: { after?: string; limit: number }, db: Client = getPrisma()) {
  const rows = await db.auditLog.findMany({
    where: where({ ...f, page: 1 }),
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    ...(opts.after ? { cursor: { id: opts.after }, skip: 1 } : {}),
    take: opts.limit + 1,
  });
  const page = rows.slice(0, opts.limit);
  return { rows: page, next: rows.length > opts.limit ? page[page.length - 1]!.id : null };
}

/** Every matching row, oldest first, in pages: for the CSV export. */
export async function* auditRowsForExport(f: AuditFilter, db: Client = getPrisma()) {
  let cursor: string | undefined;
  for (;;) {
    const rows = await db.auditLog.findMany({
      where: where(f),
      orderBy: { id: 'asc' },
      take: 1000,
      ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
    });
    if (!rows.length) return;
    yield* rows;
    cursor = rows[rows.length - 1]!.id;
  }
}

export async function auditActions(db: Client = getPrisma()): Promise<string[]> {
  const rows = await db.auditLog.groupBy({ by: ['action'], orderBy: { action: 'asc' } });
  return rows.map((r) => r.action);
}
