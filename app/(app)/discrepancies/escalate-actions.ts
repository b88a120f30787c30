'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { PermissionError, requireAction } from '@/lib/auth/guard';
import { escalateDiscrepancy } from '@/lib/features/escalation/escalations';
import { ConflictError, ForbiddenError, NotFoundError, ReviewError } from '@/lib/features/review/types';

export type EscalateResult = { ok: true; delivered: boolean } | { ok: false; error: string };

/** Escalates a discrepancy to the Telegram support chat (reviewers and admins). */
export async function escalateAction(id: unknown, version: unknown, reason: unknown): Promise<EscalateResult> {
  try {
    const user = await requireAction('discrepancies:escalate');
    const out = await escalateDiscrepancy(
      z.coerce.number().int().positive().parse(id),
      z.coerce.number().int().min(0).parse(version),
      { reason: String(reason ?? '') },
      { id: user.id, email: user.email, role: user.role },
    );
    revalidatePath('/discrepancies', 'layout');
    return { ok: true, delivered: out.delivered };
  } catch (error) {
    if (error instanceof PermissionError || error instanceof ForbiddenError || error instanceof ConflictError || error instanceof ReviewError || error instanceof NotFoundError) {
      return { ok: false, error: error.message };
    }
    if (error instanceof z.ZodError) return { ok: false, error: error.issues.map((i) => i.message).join(' ') };
    throw error;
  }
}
