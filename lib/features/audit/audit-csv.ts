import { csvEscapeCell } from '@/lib/server/http/csv-safe';
import { auditRowsForExport, type AuditFilter } from './query-audit';

/** The audit log as CSV lines, oldest first, cells escaped against formula injection; `token` names the API token a change was made with. */
export async function* auditCsv(filter: AuditFilter): AsyncGenerator<string> {
  yield 'time_utc,actor,token,action,entity_type,entity_id,before,after,ip,user_agent\n';
  for await (const r of auditRowsForExport(filter)) {
    const cells = [r.createdAt.toISOString(), r.actorEmail ?? '', r.tokenId ?? '', r.action, r.entityType, r.entityId ?? '', r.before ?? '', r.after ?? '', r.ip ?? '', r.userAgent ?? ''];
    yield `${cells.map(csvEscapeCell).join(',')}\n`;
  }
}
