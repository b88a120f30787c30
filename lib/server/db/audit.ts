import type { getPrisma } from './client';
import { auditTokenId } from './audit-context';

type Client = ReturnType<typeof getPrisma>;
/** The client or a transaction client: anything with the auditLog delegate. */
export type AuditWriter = Pick<Client, 'auditLog'>;

export type AuditEntry = {
  actor?: { id: string; email: string } | null;
  action: string;
  entityType: string;
  entityId?: string | null;
  before?: unknown;
  after?: unknown;
  ip?: string | null;
  userAgent?: string | null;
  /** The API token the change was made with (default: the token of the request being served). */
  tokenId?: string | null;
};

function toJson(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

/**
 * Appends one audit row. Pass the transaction client when the audited change is
 * written in a transaction, so the change and its audit row commit together.
 * The audit log is append-only: nothing in the app updates or deletes its rows.
 */
export async function writeAudit(db: AuditWriter, entry: AuditEntry): Promise<void> {
  await db.auditLog.create({
    data: {
      actorId: entry.actor?.id ?? null,
      actorEmail: entry.actor?.email ?? null,
      action: entry.action,
      entityType: entry.entityType,
      entityId: entry.entityId ?? null,
      before: toJson(entry.before),
      after: toJson(entry.after),
      ip: entry.ip?.slice(0, 64) ?? null,
      userAgent: entry.userAgent?.slice(0, 256) ?? null,
      tokenId: entry.tokenId === undefined ? auditTokenId() : entry.tokenId,
    },
  });
}
