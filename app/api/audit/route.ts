import { csvResponse } from '@/lib/server/http/csv-response';
import { writeAudit } from '@/lib/server/db/audit';
import { auditFilterSchema } from '@/lib/features/audit/query-audit';
import { auditCsv } from '@/lib/features/audit/audit-csv';
import { getPrisma } from '@/lib/server/db/client';
import { defineRoute } from '@/lib/server/pipeline/route';

export const dynamic = 'force-dynamic';

/** The audit log as CSV (filters as on the page); the export itself is audited. */
export const GET = defineRoute({ name: '/api/audit', permission: 'audit:view' }, async (request, { user }) => {
  const filter = auditFilterSchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  await writeAudit(getPrisma(), { actor: user, action: 'export.audit_log', entityType: 'AuditLog', after: filter });
  return csvResponse('paidline-audit-log.csv', auditCsv(filter));
});
