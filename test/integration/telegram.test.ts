import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverDueAlerts } from '@/lib/features/alerts/deliver';
import { saveNotificationSettings } from '@/lib/features/alerts/settings';
import { escalateDiscrepancy } from '@/lib/features/escalation/escalations';
import { startRun } from '@/lib/features/runs';
import { createLinkCode } from '@/lib/features/alerts/telegram/link';
import { handleTelegramWebhook } from '@/lib/features/escalation/telegram-webhook';
import { ForbiddenError, InvalidRequestError as ReviewError } from '@/lib/server/core/app-error';
import { type Actor as ReviewActor } from '@/lib/domain/actor';
import { resolveDiscrepancy } from '@/lib/features/review/resolve';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';
import { makeActor, seedSources } from './review-fixtures';
import { startFakeBotApi, type FakeBotApi } from './telegram-fake';

const TOKEN = '123456:TEST-token';
const SECRET = 'telegram-webhook-secret-for-tests';
const CHAT = '-1001234567890';

type Keyboard = { inline_keyboard: { text: string; callback_data?: string; url?: string }[][] };

describe.each(DATABASE_KINDS)('Telegram escalation on %s', (kind) => {
  let db: TestDatabase;
  let bot: FakeBotApi;
  let reviewer: ReviewActor;
  let executive: ReviewActor;
  let analyst: ReviewActor;
  let runId: string;
  let updateId = 1000;
  const row = (key: string) => db.prisma.runResult.findUniqueOrThrow({ where: { runId_key: { runId, key } } });
  const post = (update: Record<string, unknown>, secret: string | null = SECRET) => handleTelegramWebhook(JSON.stringify(update), secret, { db: db.prisma });
  const press = (from: { id: number; username?: string }, data: string, message?: { message_id: number; chat: { id: number | string } }) =>
    post({ update_id: ++updateId, callback_query: { id: `cq-${updateId}`, from, ...(message ? { message } : {}), data } });
  const link = async (user: ReviewActor, telegramId: number) => {
    const { code } = await createLinkCode(user, { db: db.prisma });
    return post({ update_id: ++updateId, message: { message_id: 1, from: { id: telegramId, username: user.role }, chat: { id: telegramId }, text: `/link ${code}` } });
  };

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    bot = await startFakeBotApi();
    reviewer = await makeActor(db.prisma, 'reviewer');
    executive = await makeActor(db.prisma, 'executive');
    analyst = await makeActor(db.prisma, 'analyst');
    const ids = await seedSources(db.prisma);
    runId = (await startRun({ sources: [{ sourceId: ids.gatewayId }, { sourceId: ids.bankId }] }, analyst, { db: db.prisma, wait: true })).id;
    await saveNotificationSettings(
      db.prisma,
      { config: { telegram: { apiBaseUrl: bot.url, defaultChatId: CHAT } }, secrets: { telegramBotToken: { set: TOKEN }, telegramSecret: { set: SECRET } } },
      null,
    );
  });
  afterAll(async () => {
    await bot?.close();
    await db?.drop();
  });

  let escalationId: string;
  let messageId: number;

  it('escalates: row escalated, escalation and outbox row in one transaction, then the bot sends the facts with buttons', async () => {
    const r = await row('TX1011');
    await expect(escalateDiscrepancy(r.id, r.version, { reason: 'Gateway paid, bank says failed' }, executive, { db: db.prisma, deliver: false })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(escalateDiscrepancy(r.id, r.version, { reason: ' ' }, reviewer, { db: db.prisma, deliver: false })).rejects.toThrow(/why you escalate/);
    const out = await escalateDiscrepancy(r.id, r.version, { reason: 'Gateway paid, bank says failed' }, reviewer, { db: db.prisma, deliver: false });
    escalationId = out.escalationId;
    expect(out.delivered).toBe(true);
    expect(await row('TX1011')).toMatchObject({ state: 'escalated', version: r.version + 1 });
    const esc = await db.prisma.escalation.findUniqueOrThrow({ where: { id: escalationId }, include: { alert: { include: { deliveries: true } } } });
    expect(esc).toMatchObject({ state: 'open', key: 'TX1011', createdById: reviewer.id, auto: false });
    expect(esc.alert!.deliveries).toMatchObject([{ channel: 'telegram', target: CHAT, state: 'pending', attempts: 0 }]);
    const audit = await db.prisma.auditLog.findMany({ where: { entityType: 'RunResult', entityId: String(r.id) }, orderBy: { createdAt: 'asc' } });
    expect(audit.map((a) => a.action)).toEqual(['discrepancy.resolve', 'discrepancy.escalate']);
    // A stale version is refused with a conflict, nothing sent twice.
    await expect(escalateDiscrepancy(r.id, r.version, { reason: 'again' }, reviewer, { db: db.prisma, deliver: false })).rejects.toThrow(/changed by someone else/);

    expect(await deliverDueAlerts({ db: db.prisma })).toMatchObject({ attempted: 1, sent: 1 });
    const sends = bot.callsOf('sendMessage');
    expect(sends).toHaveLength(1);
    const body = sends[0]!.body;
    expect(sends[0]!.token).toBe(TOKEN);
    expect(body).toMatchObject({ chat_id: CHAT, parse_mode: 'HTML' });
    const text = String(body.text);
    for (const fact of ['TX1011', 'Gateway: Paid', 'Bank: Failed', 'Class: Mismatched', 'severity critical', 'Recommended:', 'Age:', `/discrepancies/${r.id}`, 'Gateway paid, bank says failed']) {
      expect(text).toContain(fact);
    }
    const keyboard = body.reply_markup as Keyboard;
    expect(keyboard.inline_keyboard.flat().map((b) => b.text)).toEqual(['Acknowledge', 'Resolve as recommended', 'Open']);
    // The public URL is not https here: Open is a callback that replies with the link.
    expect(keyboard.inline_keyboard.flat()[2]).toEqual({ text: 'Open', callback_data: `open:${escalationId}` });
    const delivery = await db.prisma.alertDelivery.findFirstOrThrow({ where: { alertId: esc.alertId! } });
    expect(delivery).toMatchObject({ state: 'sent', attempts: 1, lastError: null });
    const after = await db.prisma.escalation.findUniqueOrThrow({ where: { id: escalationId } });
    expect(after.chatId).toBe(CHAT);
    messageId = after.messageId!;
    expect(String(messageId)).toBe(delivery.externalId);
  });

  it('retries a failed delivery with backoff (429 retry_after honoured) and keeps the error visible', async () => {
    const r = await row('TX1010');
    bot.failNext('sendMessage', { status: 500 });
    bot.failNext('sendMessage', { status: 429, retryAfter: 600 });
    const { escalationId: id } = await escalateDiscrepancy(r.id, r.version, { reason: 'Second critical one' }, reviewer, { db: db.prisma, deliver: false });
    const alertId = (await db.prisma.escalation.findUniqueOrThrow({ where: { id } })).alertId!;
    const t0 = new Date();
    expect(await deliverDueAlerts({ db: db.prisma, now: () => t0 })).toMatchObject({ attempted: 1, sent: 0, retrying: 1 });
    let d = await db.prisma.alertDelivery.findFirstOrThrow({ where: { alertId } });
    expect(d).toMatchObject({ state: 'retrying', attempts: 1 });
    expect(d.lastError).toMatch(/sendMessage failed \(500\)/);
    expect(d.nextAttemptAt!.getTime() - t0.getTime()).toBe(30_000);
    // Not due yet: nothing is sent.
    expect(await deliverDueAlerts({ db: db.prisma, now: () => new Date(t0.getTime() + 10_000) })).toMatchObject({ attempted: 0 });
    const t1 = new Date(t0.getTime() + 31_000);
    expect(await deliverDueAlerts({ db: db.prisma, now: () => t1 })).toMatchObject({ attempted: 1, retrying: 1 });
    d = await db.prisma.alertDelivery.findFirstOrThrow({ where: { alertId } });
    expect(d).toMatchObject({ state: 'retrying', attempts: 2 });
    expect(d.lastError).toMatch(/429/);
    expect(d.nextAttemptAt!.getTime() - t1.getTime()).toBe(600_000);
    const t2 = new Date(t1.getTime() + 601_000);
    expect(await deliverDueAlerts({ db: db.prisma, now: () => t2 })).toMatchObject({ attempted: 1, sent: 1 });
    d = await db.prisma.alertDelivery.findFirstOrThrow({ where: { alertId } });
    expect(d).toMatchObject({ state: 'sent', attempts: 3, lastError: null });
    const sent = bot.callsOf('sendMessage').at(-1)!.body;
    expect(String(sent.text)).toContain('Bank: no record');
    expect(String(sent.text)).toContain('Class: Missing');
  });

  it('refuses a webhook call without the secret token, and a malformed update', async () => {
    const before = bot.calls.length;
    expect((await post({ update_id: ++updateId }, null)).status).toBe(401);
    expect((await post({ update_id: ++updateId }, 'wrong')).status).toBe(401);
    expect((await handleTelegramWebhook('not json', SECRET, { db: db.prisma })).status).toBe(400);
    expect((await post({ update_id: 'x' })).status).toBe(400);
    expect(bot.calls.length).toBe(before);
  });

  it('refuses a button press from an unlinked Telegram user, audited, nothing changed', async () => {
    const r = await row('TX1011');
    const res = await press({ id: 999, username: 'stranger' }, `res:${escalationId}`, { message_id: messageId, chat: { id: CHAT } });
    expect(res.body).toMatchObject({ outcome: 'unlinked' });
    const answer = bot.callsOf('answerCallbackQuery').at(-1)!.body;
    expect(answer).toMatchObject({ callback_query_id: `cq-${updateId}`, show_alert: true });
    expect(String(answer.text)).toMatch(/not linked/);
    expect(await row('TX1011')).toMatchObject({ state: 'escalated', version: r.version });
    expect(await db.prisma.auditLog.count({ where: { action: 'telegram.refused', entityId: escalationId } })).toBe(1);
  });

  it('links through a one-time code; a linked executive cannot resolve', async () => {
    const linked = await link(executive, 501);
    expect(linked.body).toMatchObject({ linked: true });
    expect(String(bot.callsOf('sendMessage').at(-1)!.body.text)).toContain(executive.email);
    // The code is one-time.
    const { code } = await createLinkCode(analyst, { db: db.prisma });
    await post({ update_id: ++updateId, message: { message_id: 2, from: { id: 502 }, chat: { id: 502 }, text: `/link ${code}` } });
    expect((await post({ update_id: ++updateId, message: { message_id: 3, from: { id: 503 }, chat: { id: 503 }, text: `/link ${code}` } })).body).toMatchObject({ linked: false });
    expect(await db.prisma.telegramLink.findUnique({ where: { telegramUserId: '503' } })).toBeNull();

    const r = await row('TX1011');
    const res = await press({ id: 501, username: 'executive' }, `res:${escalationId}`, { message_id: messageId, chat: { id: CHAT } });
    expect(res.body).toMatchObject({ outcome: 'forbidden' });
    expect(String(bot.callsOf('answerCallbackQuery').at(-1)!.body.text)).toMatch(/executive\) does not allow/);
    expect(await row('TX1011')).toMatchObject({ state: 'escalated', version: r.version });
    const denied = await db.prisma.auditLog.findFirstOrThrow({ where: { action: 'permission.denied', actorId: executive.id }, orderBy: { createdAt: 'desc' } });
    expect(JSON.parse(denied.after!)).toMatchObject({ target: 'telegram:res', escalationId });
    // The analyst (no escalate permission) cannot acknowledge either.
    expect((await press({ id: 502 }, `ack:${escalationId}`)).body).toMatchObject({ outcome: 'forbidden' });
    expect(bot.callsOf('editMessageText')).toHaveLength(0);
  });

  it('acknowledges and resolves as recommended from Telegram: audited, ROMI as a reviewer, message edited; a repeated update is ignored', async () => {
    await link(reviewer, 601);
    const ackUpdate = { update_id: ++updateId, callback_query: { id: 'cq-ack', from: { id: 601, username: 'rev' }, message: { message_id: messageId, chat: { id: CHAT } }, data: `ack:${escalationId}` } };
    expect((await post(ackUpdate)).body).toMatchObject({ outcome: 'acknowledged' });
    const answersBefore = bot.callsOf('answerCallbackQuery').length;
    expect((await post(ackUpdate)).body).toMatchObject({ duplicate: true });
    expect(bot.callsOf('answerCallbackQuery')).toHaveLength(answersBefore);
    expect(await db.prisma.escalation.findUniqueOrThrow({ where: { id: escalationId } })).toMatchObject({ state: 'acknowledged', acknowledgedByEmail: reviewer.email });
    let edit = bot.callsOf('editMessageText').at(-1)!.body;
    expect(edit).toMatchObject({ chat_id: CHAT, message_id: messageId });
    expect(String(edit.text)).toContain(`Acknowledged by ${reviewer.email}`);
    expect((edit.reply_markup as Keyboard).inline_keyboard.flat().map((b) => b.text)).toEqual(['Resolve as recommended', 'Open']);

    // The same decision by a reviewer in the app, on another row of the same kind, for comparison.
    const other = await row('TX1018');
    await resolveDiscrepancy(other.id, other.version, { action: 'apply_recommended', reason: 'compare' }, reviewer, db.prisma);
    const r = await row('TX1011');
    expect((await press({ id: 601 }, `res:${escalationId}`, { message_id: messageId, chat: { id: CHAT } })).body).toMatchObject({ outcome: 'resolved' });
    const resolved = await row('TX1011');
    const compare = await row('TX1018');
    expect(resolved).toMatchObject({ state: 'resolved', version: r.version + 1, finalStatus: compare.finalStatus });
    const resolution = await db.prisma.resolution.findFirstOrThrow({ where: { resultId: r.id }, orderBy: { createdAt: 'desc' } });
    expect(resolution).toMatchObject({ action: 'apply_recommended', actorId: reviewer.id });
    const actions = (await db.prisma.auditLog.findMany({ where: { OR: [{ entityId: escalationId }, { entityType: 'RunResult', entityId: String(r.id) }] }, orderBy: { createdAt: 'asc' } })).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['escalation.acknowledge', 'discrepancy.resolve', 'escalation.resolve']));
    edit = bot.callsOf('editMessageText').at(-1)!.body;
    expect(String(edit.text)).toContain(`Resolved as recommended by ${reviewer.email}`);
    expect((edit.reply_markup as Keyboard).inline_keyboard.flat().map((b) => b.text)).toEqual(['Open']);
    // Pressing Resolve again is refused with the reason, nothing changes.
    expect((await press({ id: 601 }, `res:${escalationId}`)).body).toMatchObject({ outcome: 'refused' });
    expect(await row('TX1011')).toMatchObject({ version: resolved.version });
    // Open replies with the link.
    await press({ id: 601 }, `open:${escalationId}`);
    expect(String(bot.callsOf('answerCallbackQuery').at(-1)!.body.text)).toContain(`/discrepancies/${r.id}`);
  });

  it('does not escalate a resolved row', async () => {
    const r = await row('TX1011');
    await expect(escalateDiscrepancy(r.id, r.version, { reason: 'too late' }, reviewer, { db: db.prisma, deliver: false })).rejects.toBeInstanceOf(ReviewError);
  });
});
