/**
 * Idempotency-Key for state-changing API requests a script may retry (an upload whose answer was
 * lost with the connection): the first request with a key records it as pending, runs, and keeps
 * its successful answer; a retry with the same key gets that answer again (Idempotent-Replayed:
 * true) without doing the work twice. A retry while the first still runs is refused (409, retry
 * shortly); a first request that failed leaves nothing behind, so the retry runs afresh. Keys are
 * per user, bound to the method and path, and forgotten after 24 hours.
 */
import { AppError } from '@/lib/server/core/app-error';
import { getPrisma } from '@/lib/server/db/client';

const KEEP_MS = 24 * 3600_000;
const KEY = /^[\x21-\x7e]{1,200}$/;

function isUniqueViolation(error: unknown): boolean {
  const e = (error ?? {}) as { code?: unknown; message?: unknown };
  return e.code === 'P2002' || (typeof e.message === 'string' && /unique constraint/i.test(e.message));
}

export function idempotencyKeyOf(request: Request): string | null {
  const key = request.headers.get('idempotency-key');
  if (key === null) return null;
  if (!KEY.test(key)) throw new AppError('invalid_input', 'An Idempotency-Key is 1 to 200 visible ASCII characters (a UUID, say).');
  return key;
}

export async function idempotent(userId: string, key: string, method: string, path: string, work: () => Promise<Response>): Promise<Response> {
  const db = getPrisma();
  const seen = await db.idempotencyRecord.findUnique({ where: { userId_key: { userId, key } } });
  if (seen && seen.createdAt.getTime() < Date.now() - KEEP_MS) {
    await db.idempotencyRecord.deleteMany({ where: { id: seen.id } });
  } else if (seen) {
    if (seen.method !== method || seen.path !== path) {
      throw new AppError('unreadable', `This Idempotency-Key was used for ${seen.method} ${seen.path}; use a new key for a different request.`);
    }
    if (seen.state !== 'done') {
      throw new AppError('conflict', 'The first request with this Idempotency-Key is still running. Retry in a few seconds.', { headers: { 'Retry-After': '2' } });
    }
    return new Response(seen.responseBody, { status: seen.status ?? 200, headers: { 'content-type': 'application/json; charset=utf-8', 'idempotent-replayed': 'true' } });
  }
  try {
    await db.idempotencyRecord.create({ data: { userId, key, method, path, state: 'pending' } });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new AppError('conflict', 'The first request with this Idempotency-Key is still running. Retry in a few seconds.', { headers: { 'Retry-After': '2' } });
    }
    throw error;
  }
  let response: Response;
  try {
    response = await work();
  } catch (error) {
    await db.idempotencyRecord.deleteMany({ where: { userId, key, state: 'pending' } });
    throw error;
  }
  if (response.status >= 200 && response.status < 300) {
    const body = await response.clone().text();
    await db.idempotencyRecord.update({ where: { userId_key: { userId, key } }, data: { state: 'done', status: response.status, responseBody: body } });
  } else {
    await db.idempotencyRecord.deleteMany({ where: { userId, key, state: 'pending' } });
  }
  // Old keys go as new ones come.
  await db.idempotencyRecord.deleteMany({ where: { createdAt: { lt: new Date(Date.now() - KEEP_MS) } } });
  return response;
}
