/**
 * Linking a Telegram user to an app user: the app user asks for a one-time code (6 digits, valid
 * 10 minutes, stored as a SHA-256 hash), then sends "/link <code>" to the bot. From then on that
 * Telegram user acts with the app user's role. A new link replaces the previous one.
 */
import { createHash, randomInt } from 'node:crypto';
import { getPrisma } from '@/lib/server/db/client';
import { writeAudit } from '@/lib/server/db/audit';

type Client = ReturnType<typeof getPrisma>;

export const LINK_CODE_TTL_MS = 10 * 60_000;

function hashCode(code: string): string {
  return createHash('sha256').update(`paidline-telegram-link:${code}`).digest('hex');
}

/** A fresh code for this user (earlier unused codes of the user stop working). */
export async function createLinkCode(user: { id: string; email: string }, opts: { db?: Client; now?: Date } = {}): Promise<{ code: string; expiresAt: Date }> {
  const db = opts.db ?? getPrisma();
  const now = opts.now ?? new Date();
  const expiresAt = new Date(now.getTime() + LINK_CODE_TTL_MS);
  for (let attempt = 0; attempt < 5; attempt++) {
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    try {
      await db.$transaction(async (tx) => {
        await tx.telegramLinkCode.deleteMany({ where: { OR: [{ userId: user.id }, { expiresAt: { lt: now } }] } });
        await tx.telegramLinkCode.create({ data: { userId: user.id, codeHash: hashCode(code), expiresAt, createdAt: now } });
        await writeAudit(tx, { actor: user, action: 'telegram.link_code', entityType: 'User', entityId: user.id, after: { expiresAt: expiresAt.toISOString() } });
      });
      return { code, expiresAt };
    } catch (e) {
      // A live code of someone else collided (unique hash): draw again.
      if (attempt === 4) throw e;
    }
  }
  throw new Error('unreachable');
}

export type LinkOutcome = { ok: true; email: string } | { ok: false; message: string };

/** Consumes a code sent from Telegram; links that Telegram user to the code's app user. */
export async function linkTelegramUser(code: string, from: { id: number | string; username?: string }, opts: { db?: Client; now?: Date } = {}): Promise<LinkOutcome> {
  const db = opts.db ?? getPrisma();
  const now = opts.now ?? new Date();
  const clean = code.trim();
  if (!/^\d{6}$/.test(clean)) return { ok: false, message: 'Send /link followed by the 6-digit code shown in Paidline (Telegram, bottom left next to Account).' };
  return db.$transaction(async (tx) => {
    const row = await tx.telegramLinkCode.findUnique({ where: { codeHash: hashCode(clean) } });
    if (!row || row.usedAt || row.expiresAt < now) return { ok: false, message: 'That code is not valid or has expired. Create a new one on the Telegram page in Paidline and send it within 10 minutes.' } as const;
    const used = await tx.telegramLinkCode.updateMany({ where: { id: row.id, usedAt: null }, data: { usedAt: now } });
    if (used.count !== 1) return { ok: false, message: 'That code was just used.' } as const;
    const user = await tx.user.findUnique({ where: { id: row.userId }, select: { id: true, email: true, disabled: true } });
    if (!user || user.disabled) return { ok: false, message: 'That Paidline account is disabled.' } as const;
    const telegramUserId = String(from.id);
    await tx.telegramLink.deleteMany({ where: { OR: [{ userId: user.id }, { telegramUserId }] } });
    await tx.telegramLink.create({ data: { userId: user.id, telegramUserId, telegramUsername: from.username ?? null, linkedAt: now } });
    await writeAudit(tx, { actor: user, action: 'telegram.link', entityType: 'User', entityId: user.id, after: { telegramUserId, telegramUsername: from.username ?? null } });
    return { ok: true, email: user.email } as const;
  });
}

export async function unlinkTelegram(user: { id: string; email: string }, db: Client = getPrisma()): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const removed = await tx.telegramLink.deleteMany({ where: { userId: user.id } });
    if (removed.count) await writeAudit(tx, { actor: user, action: 'telegram.unlink', entityType: 'User', entityId: user.id });
    return removed.count > 0;
  });
}

export async function telegramLinkOf(userId: string, db: Client = getPrisma()) {
  return db.telegramLink.findUnique({ where: { userId } });
}
