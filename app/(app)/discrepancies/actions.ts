'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { PermissionError, requireAction } from '@/lib/auth/guard';
import type { Action } from '@/lib/domain/permissions';
import { addComment, assignDiscrepancy, bulkResolve, resolveDiscrepancy, undoResolution, type ResolveInput } from '@/lib/features/review/resolve';
import { ConflictError, ForbiddenError, NotFoundError, ReviewError, type ReviewActor } from '@/lib/features/review/types';

export type ReviewResult<T = null> = { ok: true; data: T } | { ok: false; status: 400 | 401 | 403 | 404 | 409; error: string };

/**
 * Every action checks the permission matrix first (a forged request from a role without it gets
 * 403, whatever the page showed), then calls one domain function, which checks it again.
 */
async function guarded<T>(permission: Action, fn: (actor: ReviewActor) => Promise<T>): Promise<ReviewResult<T>> {
  try {
    const user = await requireAction(permission);
    const data = await fn({ id: user.id, email: user.email, role: user.role });
    revalidatePath('/discrepancies', 'layout');
    return { ok: true, data };
  } catch (error) {
    if (error instanceof PermissionError) return { ok: false, status: error.status, error: error.message };
    if (error instanceof ForbiddenError || error instanceof ConflictError || error instanceof ReviewError || error instanceof NotFoundError) {
      return { ok: false, status: error.status, error: error.message };
    }
    if (error instanceof z.ZodError) return { ok: false, status: 400, error: error.issues.map((i) => i.message).join(' ') };
    throw error;
  }
}

const idSchema = z.coerce.number().int().positive();
const versionSchema = z.coerce.number().int().min(0);

export async function resolveAction(id: number, version: number, input: ResolveInput): Promise<ReviewResult<{ version: number }>> {
  return guarded('discrepancies:resolve', (actor) => resolveDiscrepancy(idSchema.parse(id), versionSchema.parse(version), input, actor));
}

export async function bulkResolveAction(items: { id: number; version: number }[], input: ResolveInput): Promise<ReviewResult<{ resolved: number }>> {
  return guarded('discrepancies:resolve', (actor) =>
    bulkResolve(z.array(z.object({ id: idSchema, version: versionSchema })).max(1000).parse(items), input, actor),
  );
}

export async function assignAction(id: number, version: number, assigneeId: string | null): Promise<ReviewResult<{ version: number }>> {
  return guarded('discrepancies:resolve', (actor) => assignDiscrepancy(idSchema.parse(id), versionSchema.parse(version), assigneeId ? z.string().min(1).max(40).parse(assigneeId) : null, actor));
}

export async function undoAction(id: number): Promise<ReviewResult<{ version: number }>> {
  return guarded('discrepancies:resolve', (actor) => undoResolution(idSchema.parse(id), actor));
}

export async function commentAction(id: number, body: string): Promise<ReviewResult<{ id: string }>> {
  return guarded('discrepancies:comment', (actor) => addComment(idSchema.parse(id), String(body), actor));
}
