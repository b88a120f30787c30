/**
 * Telegram updates (POST /api/telegram/webhook): the X-Telegram-Bot-Api-Secret-Token header must
 * equal the stored secret (constant-time); a repeated update_id is ignored; "/link <code>" links a
 * Telegram user; button presses act with the linked app user's role, are audited, answered
 * (answerCallbackQuery) and the message is edited to show the outcome.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { can, type Action } from '@/lib/domain/permissions';
import { isRole } from '@/lib/domain/roles';
import { getPrisma } from '@/lib/server/db/client';
import { writeAudit } from '@/lib/server/db/audit';
import { acknowledgeEscalation, resolveEscalationAsRecommended } from '@/lib/features/escalation/escalations';
import { absoluteLink } from '@/lib/features/alerts/links';
import type { AlertPayload } from '@/lib/features/alerts/raise';
import { loadNotificationSettings } from '@/lib/features/alerts/settings';
import { ConflictError, ForbiddenError, NotFoundError, InvalidRequestError as ReviewError } from '@/lib/server/core/app-error';
import { type Actor as ReviewActor } from '@/lib/domain/actor';
import { telegramClient, type TelegramClient } from '../alerts/telegram/api';
import { alertText, escalationKeyboard, parseCallbackData, type CallbackVerb } from '../alerts/telegram/format';
import { linkTelegramUser } from '../alerts/telegram/link';
import { loggerFor } from '@/lib/server/observability/logger';

type Client = ReturnType<typeof getPrisma>;

const chatSchema = z.object({ id: z.union([z.number(), z.string()]) });
const fromSchema = z.object({ id: z.union([z.number(), z.string()]), username: z.string().max(64).optional() });

export const updateSchema = z.object({
  update_id: z.number().int().nonnegative(),
  message: z.object({ message_id: z.number().int(), from: fromSchema.optional(), chat: chatSchema, text: z.string().max(4096).optional() }).optional(),
  callback_query: z
    .object({
      id: z.string().min(1).max(100),
      from: fromSchema,
      message: z.object({ message_id: z.number().int(), chat: chatSchema }).optional(),
      data: z.string().max(64).optional(),
    })
    .optional(),
});
export type TelegramUpdate = z.infer<typeof updateSchema>;

export type WebhookReply = { status: number; body: Record<string, unknown> };

function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

const PERMISSION: Record<CallbackVerb, Action> = { ack: 'discrepancies:escalate', res: 'discrepancies:resolve', open: 'discrepancies:view' };
const VERB_TEXT: Record<CallbackVerb, string> = { ack: 'acknowledge', res: 'resolve', open: 'open' };

async function safeCall(client: TelegramClient, method: string, body: Record<string, unknown>): Promise<void> {
  try {
    await client.call(method, body);
  } catch (e) {
    loggerFor('telegram', { method }).error({ err: e }, 'Telegram call failed');
  }
}

export async function handleTelegramWebhook(rawBody: string, secretHeader: string | null, opts: { db?: Client } = {}): Promise<WebhookReply> {
  const db = opts.db ?? getPrisma();
  const settings = await loadNotificationSettings(db);
  const token = settings.secrets.telegramBotToken;
  const secret = settings.secrets.telegramSecret;
  if (!token || !secret) return { status: 404, body: { error: 'Telegram is not configured on this Paidline instance.' } };
  if (!secretHeader || !sameSecret(secretHeader, secret)) return { status: 401, body: { error: 'Missing or wrong X-Telegram-Bot-Api-Secret-Token.' } };

  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    return { status: 400, body: { error: 'The body is not JSON.' } };
  }
  const parsed = updateSchema.safeParse(json);
  if (!parsed.success) return { status: 400, body: { error: 'Not a Telegram update this bot understands.' } };
  const update = parsed.data;

  // A repeated update_id (Telegram retries, replays) is acknowledged and ignored.
  const kind = update.callback_query ? 'callback_query' : update.message ? 'message' : 'other';
  const updateId = String(update.update_id);
  if (await db.telegramUpdate.findUnique({ where: { updateId } })) return { status: 200, body: { ok: true, duplicate: true } };
  try {
    await db.telegramUpdate.create({ data: { updateId, kind } });
  } catch {
    return { status: 200, body: { ok: true, duplicate: true } };
  }

  const client = telegramClient(settings.config.telegram.apiBaseUrl, token);
  try {
    if (update.callback_query) return await handleCallback(update.callback_query, client, db);
    if (update.message?.text) return await handleMessage(update.message, client, db);
    return { status: 200, body: { ok: true, ignored: kind } };
  } catch (e) {
    // Not handled: forget the id so Telegram's retry of this update is handled, not ignored.
    await db.telegramUpdate.deleteMany({ where: { updateId } }).catch(() => undefined);
    throw e;
  }
}

async function handleMessage(message: NonNullable<TelegramUpdate['message']>, client: TelegramClient, db: Client): Promise<WebhookReply> {
  const text = message.text!.trim();
  const reply = (t: string) => safeCall(client, 'sendMessage', { chat_id: message.chat.id, text: t });
  const link = /^\/link(?:@\w+)?(?:\s+(\S+))?$/i.exec(text);
  if (link) {
    if (!message.from) {
      await reply('Send /link from your own account, not a channel.');
      return { status: 200, body: { ok: true, linked: false } };
    }
    const outcome = await linkTelegramUser(link[1] ?? '', message.from, { db });
    await reply(outcome.ok ? `Linked to ${outcome.email} in Paidline. Buttons you press act with that account's role.` : outcome.message);
    return { status: 200, body: { ok: true, linked: outcome.ok } };
  }
  if (/^\/(start|help)\b/i.test(text)) {
    await reply('This is the Paidline support bot. It posts escalated discrepancies and alerts here. To act on them, link your account: in Paidline open Telegram (bottom left, next to Account), create a code and send /link <code> here.');
    return { status: 200, body: { ok: true } };
  }
  return { status: 200, body: { ok: true, ignored: 'message' } };
}

async function handleCallback(cq: NonNullable<TelegramUpdate['callback_query']>, client: TelegramClient, db: Client): Promise<WebhookReply> {
  const answer = (text: string, alert = false) => safeCall(client, 'answerCallbackQuery', { callback_query_id: cq.id, text: text.slice(0, 200), show_alert: alert });
  const parsed = parseCallbackData(cq.data);
  if (!parsed) {
    await answer('This button is not recognised.');
    return { status: 200, body: { ok: true, outcome: 'unknown_button' } };
  }
  const telegramUserId = String(cq.from.id);
  const link = await db.telegramLink.findUnique({ where: { telegramUserId } });
  const user = link ? await db.user.findUnique({ where: { id: link.userId }, select: { id: true, email: true, role: true, disabled: true } }) : null;
  if (!link || !user || user.disabled || !isRole(user.role)) {
    await writeAudit(db, { actor: null, action: 'telegram.refused', entityType: 'Escalation', entityId: parsed.escalationId, after: { reason: 'unlinked', telegramUserId, username: cq.from.username ?? null, button: parsed.verb } });
    await answer('Your Telegram account is not linked to a Paidline user. In Paidline open Telegram (bottom left, next to Account), create a code and send /link <code> to this bot.', true);
    return { status: 200, body: { ok: true, outcome: 'unlinked' } };
  }
  const actor: ReviewActor = { id: user.id, email: user.email, role: user.role };
  const permission = PERMISSION[parsed.verb];
  if (!can(actor.role, permission)) {
    await writeAudit(db, { actor, action: 'permission.denied', entityType: 'Permission', entityId: permission, after: { role: actor.role, target: `telegram:${parsed.verb}`, escalationId: parsed.escalationId, telegramUserId } });
    await answer(`Your role (${actor.role}) does not allow you to ${VERB_TEXT[parsed.verb]} this.`, true);
    return { status: 200, body: { ok: true, outcome: 'forbidden' } };
  }

  const esc = await db.escalation.findUnique({ where: { id: parsed.escalationId }, include: { alert: { select: { title: true, severity: true, payload: true } } } });
  if (!esc) {
    await answer('This escalation no longer exists (its run may have been deleted).', true);
    return { status: 200, body: { ok: true, outcome: 'not_found' } };
  }
  const link_ = `/discrepancies/${esc.resultId}`;
  if (parsed.verb === 'open') {
    await writeAudit(db, { actor, action: 'escalation.open', entityType: 'Escalation', entityId: esc.id, after: { via: 'telegram', key: esc.key } });
    await answer(`Open ${absoluteLink(link_)}`, true);
    return { status: 200, body: { ok: true, outcome: 'link' } };
  }
  const via = `Telegram${cq.from.username ? ` @${cq.from.username}` : ''}`;
  let outcome: string;
  try {
    outcome = parsed.verb === 'ack' ? (await acknowledgeEscalation(esc.id, actor, { db, via })).outcome : (await resolveEscalationAsRecommended(esc.id, actor, { db, via })).outcome;
  } catch (e) {
    if (e instanceof ReviewError || e instanceof ConflictError || e instanceof NotFoundError || e instanceof ForbiddenError) {
      await answer(e.message, true);
      return { status: 200, body: { ok: true, outcome: 'refused', message: e.message } };
    }
    throw e;
  }
  await answer(parsed.verb === 'ack' ? 'Acknowledged.' : 'Resolved as recommended.');
  const chatId = cq.message?.chat.id ?? esc.chatId;
  const messageId = cq.message?.message_id ?? esc.messageId;
  if (chatId !== null && chatId !== undefined && messageId !== null && messageId !== undefined && esc.alert) {
    const payload = JSON.parse(esc.alert.payload) as AlertPayload;
    const state = parsed.verb === 'ack' ? 'acknowledged' : 'resolved';
    await safeCall(client, 'editMessageText', {
      chat_id: chatId,
      message_id: messageId,
      text: alertText(esc.alert, payload, outcome),
      parse_mode: 'HTML',
      disable_web_page_preview: true,
      reply_markup: escalationKeyboard(esc.id, payload.link, state),
    });
  }
  return { status: 200, body: { ok: true, outcome: parsed.verb === 'ack' ? 'acknowledged' : 'resolved' } };
}
