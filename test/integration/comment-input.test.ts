/**
 * A comment is text: one sent as an object (a forged action call) is refused with a message, not
 * stored as "[object Object]".
 */
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { TestDatabase } from './databases';
import { databaseWithRoleUsers } from './access-helpers';

vi.mock('@/lib/auth/auth', () => ({
  auth: async () => ({ user: { id: 'user-analyst', email: 'analyst@example.com', name: 'analyst', role: 'analyst', sessionVersion: 0, sessionId: 'test-session' } }),
  signIn: async () => undefined,
  signOut: async () => undefined,
  handlers: { GET: async () => new Response(null, { status: 204 }), POST: async () => new Response(null, { status: 204 }) },
}));
vi.mock('next/headers', () => ({ headers: async () => new Headers(), cookies: async () => ({ get: () => undefined }) }));
vi.mock('next/cache', () => ({ revalidatePath: () => undefined }));

let db: TestDatabase;
beforeAll(async () => {
  db = await databaseWithRoleUsers();
});
afterAll(async () => db?.drop());

it('refuses a comment that is not text, and stores nothing', async () => {
  const { commentAction } = await import('@/app/(app)/discrepancies/actions');
  const result = await (commentAction as unknown as (id: unknown, body: unknown) => Promise<{ ok: boolean; status?: number; error?: string }>)(1, { toString: 'x' });
  expect(result).toMatchObject({ ok: false, status: 400 });
  expect(result.error).toMatch(/A comment is text/);
  expect(await db.prisma.comment.count()).toBe(0);
});
