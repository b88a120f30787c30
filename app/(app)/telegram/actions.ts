'use server';

import { revalidatePath } from 'next/cache';
import { PermissionError, requireAction } from '@/lib/auth/guard';
import { createLinkCode, unlinkTelegram } from '@/lib/features/alerts/telegram/link';

export type LinkCodeResult = { ok: true; code: string; expiresAt: string } | { ok: false; error: string };

/** A one-time code the signed-in user sends to the bot as "/link <code>". */
export async function createLinkCodeAction(): Promise<LinkCodeResult> {
  try {
    const user = await requireAction('account:manage');
    const { code, expiresAt } = await createLinkCode({ id: user.id, email: user.email });
    return { ok: true, code, expiresAt: expiresAt.toISOString() };
  } catch (error) {
    if (error instanceof PermissionError) return { ok: false, error: error.message };
    throw error;
  }
}

export async function unlinkTelegramAction(): Promise<{ ok: boolean; error?: string }> {
  try {
    const user = await requireAction('account:manage');
    await unlinkTelegram({ id: user.id, email: user.email });
    revalidatePath('/telegram');
    return { ok: true };
  } catch (error) {
    if (error instanceof PermissionError) return { ok: false, error: error.message };
    throw error;
  }
}
