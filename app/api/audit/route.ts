import { csvResponse } from '@/lib/server/http/csv-response';
import { writeAudit } from '@/lib/server/db/audit';
import { auditFilterSchema, auditRowsForExport, type AuditFilter } from '@/lib/features/audit/query-audit';
import { getPrisma } from '@/lib/server/db/client';
import { csvEscapeCell } from '@/lib/server/http/csv-safe';
import { defineRoute } from '@/lib/server/pipeline/route';

export const dynamic = 'force-dynamic';

async function* auditCsv(filter: AuditFilter): AsyncGenerator<string> {
  yield 'time_utc,actor,action,entity_type,entity_id,before,after,ip,user_agent\n';
  for await (const r of auditRowsForExport(filter)) {
    const cells = [r.createdAt.toISOString(), r.actorEmail ?? '', r.action, r.entityType, r.entityId ?? '', r.before ?? '', r.after ?? '', r.ip ?? '', r.userAgent ?? ''];
    yield `${cells.map(csvEscapeCell).join(',')}\n`;
  }
}

/** The audit log as CSV (filters as on the page); the export itself is audited. */
export const GET = defineRoute({ name: '/api/audit', permission: 'audit:view' }, async (request, { user }) => {
  const filter = auditFilterSchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  await writeAudit(getPrisma(), { actor: user, action: 'export.audit_log', entityType: 'AuditLog', after: filter });
  return csvResponse('paidline-audit-log.csv', auditCsv(filter));
});
