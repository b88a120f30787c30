/**
 * Who stands behind the audit rows a request writes, beyond the actor: the API token the request
 * came with. The API pipeline (lib/server/pipeline/api.ts) runs its handler inside `withAuditToken`;
 * `writeAudit` reads it, so every row a token's request writes names the token, whichever
 * operation writes it and however the actor was passed down.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

type AuditContext = { tokenId: string };

const storage = new AsyncLocalStorage<AuditContext>();

export function withAuditToken<T>(tokenId: string, work: () => Promise<T>): Promise<T> {
  return storage.run({ tokenId }, work);
}

/** The API token of the request being served, if it came with one. */
export function auditTokenId(): string | null {
  return storage.getStore()?.tokenId ?? null;
}

/** Runs work that outlives the request (a queued job) without the request's token: its rows are the system's. */
export function outsideRequest<T>(work: () => T): T {
  return storage.exit(work);
}
