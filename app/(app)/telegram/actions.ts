'use server';

import { createLinkCode, unlinkTelegram } from '@/lib/features/alerts/telegram/link';
import { defineAction } from '@/lib/server/pipeline/action';

/** A one-time code the signed-in user sends to the bot as "/link <code>". */
export const createLinkCodeAction = defineAction({ name: 'telegram.link_code', permission: 'account:manage' }, async (_input, { user }) => {
  const { code, expiresAt } = await createLinkCode({ id: user.id, email: user.email });
  return { code, expiresAt: expiresAt.toISOString() };
});

export const unlinkTelegramAction = defineAction({ name: 'telegram.unlink', permission: 'account:manage', revalidate: '/telegram' }, async (_input, { user }) => {
  await unlinkTelegram({ id: user.id, email: user.email });
  return null;
});
