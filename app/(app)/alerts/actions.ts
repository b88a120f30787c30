'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { PermissionError, requireAction } from '@/lib/auth/guard';
import { kickDeliveries } from '@/lib/features/alerts/deliver';
import { retryDelivery } from '@/lib/features/alerts/queries';
import { NotFoundError, ReviewError } from '@/lib/features/review/types';

export type RetryResult = { ok: true } | { ok: false; error: string };

/** One more attempt of a failed or held-back delivery, now (admins). */
export async function retryDeliveryAction(id: unknown): Promise<RetryResult> {
  try {
    const user = await requireAction('settings:notifications');
    await retryDelivery(z.string().min(1).max(40).parse(id), { id: user.id, email: user.email, role: user.role });
    kickDeliveries();
    revalidatePath('/alerts');
    return { ok: true };
  } catch (error) {
    if (error instanceof PermissionError || error instanceof ReviewError || error instanceof NotFoundError) return { ok: false, error: error.message };
    if (error instanceof z.ZodError) return { ok: false, error: 'Unknown delivery.' };
    throw error;
  }
}
