import { NextResponse } from 'next/server';
import { requireApi } from '@/lib/auth/guard';
import { writeAudit } from '@/lib/db/audit';
import { auditFilterSchema, auditRowsForExport } from '@/lib/db/audit-query';
import { getPrisma } from '@/lib/db/client';
import { csvEscapeCell } from '@/lib/csv-safe';

export const dynamic = 'force-dynamic';

/** The audit log as CSV (filters as on the page); the export itself is audited. */
export async function GET(request: Request) {
  const user = await requireApi('audit:view');
  if (user instanceof NextResponse) return user;
  const filter = auditFilterSchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  await writeAudit(getPrisma(), { actor: user, action: 'export.audit_log', entityType: 'AuditLog', after: filter });
  const rows = auditRowsForExport(filter);
  const encoder = new TextEncoder();
  let header = true;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (header) {
        header = false;
        controller.enqueue(encoder.encode('time_utc,actor,action,entity_type,entity_id,before,after,ip,user_agent\n'));
        return;
      }
      const next = await rows.next();
      if (next.done) return controller.close();
      const r = next.value;
      const cells = [r.createdAt.toISOString(), r.actorEmail ?? '', r.action, r.entityType, r.entityId ?? '', r.before ?? '', r.after ?? '', r.ip ?? '', r.userAgent ?? ''];
      controller.enqueue(encoder.encode(`${cells.map(csvEscapeCell).join(',')}\n`));
    },
  });
  return new Response(body, {
    headers: { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': 'attachment; filename="paidline-audit-log.csv"', 'Cache-Control': 'no-store' },
  });
}
