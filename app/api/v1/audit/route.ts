import { z } from 'zod';
import { endpoints } from '@/lib/api';
import { wantsCsv } from '@/lib/api/csv';
import { decodeCursor, encodeCursor } from '@/lib/api/schemas';
import { auditPageAfter } from '@/lib/features/audit/query-audit';
import { auditCsv } from '@/lib/features/audit/audit-csv';
import { writeAudit } from '@/lib/server/db/audit';
import { getPrisma } from '@/lib/server/db/client';
import { csvResponse } from '@/lib/server/http/csv-response';
import { defineApiRoute } from '@/lib/server/pipeline/api';

export const dynamic = 'force-dynamic';

function parsed(json: string | null): unknown {
  if (json === null) return null;
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return json;
  }
}

export const GET = defineApiRoute(endpoints.listAudit, async ({ query, request, user, meta }) => {
  const { cursor, limit, format, ...filter } = query;
  if (wantsCsv(request, format)) {
    await writeAudit(getPrisma(), { actor: user, action: 'export.audit_log', entityType: 'AuditLog', after: { via: 'api', ...filter }, ...meta });
    return csvResponse('paidline-audit-log.csv', auditCsv({ ...filter, page: 1 }));
  }
  const page = await auditPageAfter(filter, { after: decodeCursor(cursor, z.string()), limit });
  return {
    items: page.rows.map((r) => ({ id: r.id, createdAt: r.createdAt, actorEmail: r.actorEmail, tokenId: r.tokenId, action: r.action, entityType: r.entityType, entityId: r.entityId, before: parsed(r.before), after: parsed(r.after), ip: r.ip })),
    nextCursor: page.next ? encodeCursor(page.next) : null,
  };
});
