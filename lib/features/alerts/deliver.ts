/**
 * The delivery loop's one step: send every due outbox row (AlertDelivery pending or retrying with
 * nextAttemptAt <= now). Each row is claimed first (attempts + 1 and a lease on nextAttemptAt, only
 * if nobody claimed it meanwhile), so two instances never send the same row twice. A failure is
 * retried with backoff (backoff.ts); after the last attempt the row is "failed", with its error,
 * and stays in the alert history. Small and self-contained so a job queue can call it instead.
 */
import nodemailer from 'nodemailer';
import { getPrisma } from '@/lib/server/db/client';
import { TelegramApiError, telegramClient } from '@/lib/features/alerts/telegram/api';
import { alertText, escalationKeyboard } from '@/lib/features/alerts/telegram/format';
import { absoluteLink } from './links';
import { MAX_DELIVERY_ATTEMPTS, retryDelayMs } from './backoff';
import type { AlertPayload } from './raise';
import { RULE_INFO, type AlertKind } from './rules';
import { loadNotificationSettings, type LoadedSettings } from './settings';
import { SIGNATURE_HEADER, signAlertBody } from './sign';
import { loggerFor } from '@/lib/server/observability/logger';

type Client = ReturnType<typeof getPrisma>;

const LEASE_MS = 120_000;

export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
  }
}

type AlertRow = { id: string; rule: string; severity: string; title: string; payload: string; firstSeenAt: Date; lastSeenAt: Date; count: number };
type Job = { delivery: { id: string; channel: string; target: string; attempts: number }; alert: AlertRow; payload: AlertPayload; settings: LoadedSettings; db: Client };

/** Sends one delivery; returns the external id (Telegram message id) when there is one. */
export type Sender = (job: Job) => Promise<string | null>;

async function sendTelegram({ delivery, alert, payload, settings, db }: Job): Promise<string | null> {
  const token = settings.secrets.telegramBotToken;
  if (!token) throw new DeliveryError('No Telegram bot token is configured (Settings → Notifications).');
  let replyMarkup = undefined;
  let outcome: string | null = null;
  if (payload.escalationId) {
    const esc = await db.escalation.findUnique({ where: { id: payload.escalationId }, select: { state: true, outcome: true } });
    if (esc) {
      replyMarkup = escalationKeyboard(payload.escalationId, payload.link, esc.state as 'open' | 'acknowledged' | 'resolved');
      outcome = esc.outcome;
    }
  }
  const client = telegramClient(settings.config.telegram.apiBaseUrl, token);
  try {
    const result = await client.call<{ message_id: number; chat: { id: number | string } }>('sendMessage', {
      chat_id: delivery.target,
      text: alertText(alert, payload, outcome),
      parse_mode: 'HTML',
      disable_web_page_preview: true,
      ...(replyMarkup ? { reply_markup: replyMarkup } : {}),
    });
    if (payload.escalationId) {
      await db.escalation.updateMany({ where: { id: payload.escalationId }, data: { chatId: String(result.chat?.id ?? delivery.target), messageId: result.message_id } });
    }
    return String(result.message_id);
  } catch (e) {
    if (e instanceof TelegramApiError) throw new DeliveryError(e.message, e.retryAfter);
    throw e;
  }
}

async function sendEmail({ delivery, alert, payload, settings }: Job): Promise<string | null> {
  const e = settings.config.email;
  if (!e.host) throw new DeliveryError('No SMTP host is configured (Settings → Notifications).');
  const transport = nodemailer.createTransport({
    host: e.host,
    port: e.port,
    secure: e.secure,
    ...(e.user ? { auth: { user: e.user, pass: settings.secrets.smtpPassword ?? '' } } : {}),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  const lines = [...payload.lines, ...(payload.link ? ['', absoluteLink(payload.link)] : []), ...(payload.heldBack ? ['', `${payload.heldBack} similar alert(s) were held back in the last hour (throttled).`] : [])];
  try {
    const info = await transport.sendMail({
      from: e.from || 'Paidline <alerts@paidline.invalid>',
      to: delivery.target,
      subject: `[Paidline ${alert.severity}] ${alert.title}`.slice(0, 250),
      text: `${lines.join('\n')}\n\nRule: ${RULE_INFO[alert.rule as AlertKind]?.label ?? alert.rule}. Seen ${alert.count} time(s) since ${alert.firstSeenAt.toISOString()}.\n`,
    });
    return info.messageId ?? null;
  } catch (err) {
    throw new DeliveryError(`SMTP: ${(err as Error).message}`.slice(0, 500));
  } finally {
    transport.close();
  }
}

/** The JSON body of an outgoing alert webhook (documented in the README). */
export function webhookBody(alert: AlertRow, payload: AlertPayload): string {
  return JSON.stringify({
    type: 'paidline.alert',
    id: alert.id,
    rule: alert.rule,
    severity: alert.severity,
    title: alert.title,
    lines: payload.lines,
    link: payload.link ? absoluteLink(payload.link) : null,
    count: alert.count,
    firstSeenAt: alert.firstSeenAt.toISOString(),
    lastSeenAt: alert.lastSeenAt.toISOString(),
    heldBack: payload.heldBack ?? 0,
  });
}

async function sendWebhook({ delivery, alert, payload, settings }: Job): Promise<string | null> {
  const secret = settings.secrets.webhookSecret;
  if (!secret) throw new DeliveryError('No signing secret is configured for the alert webhook.');
  const body = webhookBody(alert, payload);
  const t = Math.floor(Date.now() / 1000);
  let response: Response;
  try {
    response = await fetch(delivery.target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Paidline-Alerts/1', [SIGNATURE_HEADER]: signAlertBody(secret, body, t) },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(10_000),
    });
  } catch (e) {
    throw new DeliveryError(`Webhook: no answer (${(e as Error).name === 'TimeoutError' ? 'timeout' : (e as Error).message})`);
  }
  if (response.status < 200 || response.status >= 300) {
    const retryAfter = Number(response.headers.get('retry-after'));
    throw new DeliveryError(`Webhook answered ${response.status}.`, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null);
  }
  return null;
}

export const SENDERS: Record<string, Sender> = { telegram: sendTelegram, email: sendEmail, webhook: sendWebhook };

export type DeliverySummary = { attempted: number; sent: number; retrying: number; failed: number };

export async function deliverDueAlerts(opts: { db?: Client; now?: () => Date; limit?: number; senders?: Partial<Record<string, Sender>> } = {}): Promise<DeliverySummary> {
  const db = opts.db ?? getPrisma();
  const now = opts.now ?? (() => new Date());
  const summary: DeliverySummary = { attempted: 0, sent: 0, retrying: 0, failed: 0 };
  const due = await db.alertDelivery.findMany({
    where: { state: { in: ['pending', 'retrying'] }, nextAttemptAt: { lte: now() } },
    orderBy: { nextAttemptAt: 'asc' },
    take: opts.limit ?? 50,
    include: { alert: { select: { id: true, rule: true, severity: true, title: true, payload: true, firstSeenAt: true, lastSeenAt: true, count: true } } },
  });
  if (!due.length) return summary;
  const settings = await loadNotificationSettings(db);
  for (const d of due) {
    const claimedAt = now();
    const claim = await db.alertDelivery.updateMany({
      where: { id: d.id, state: d.state, attempts: d.attempts },
      data: { attempts: d.attempts + 1, nextAttemptAt: new Date(claimedAt.getTime() + LEASE_MS), updatedAt: claimedAt },
    });
    if (claim.count !== 1) continue;
    summary.attempted++;
    const attempts = d.attempts + 1;
    const sender = opts.senders?.[d.channel] ?? SENDERS[d.channel];
    try {
      if (!sender) throw new DeliveryError(`Unknown channel ${d.channel}.`);
      const externalId = await sender({ delivery: { ...d, attempts }, alert: d.alert, payload: JSON.parse(d.alert.payload) as AlertPayload, settings, db });
      await db.alertDelivery.update({ where: { id: d.id }, data: { state: 'sent', sentAt: now(), externalId, lastError: null, nextAttemptAt: null, updatedAt: now() } });
      summary.sent++;
    } catch (e) {
      const message = (e instanceof Error ? e.message : String(e)).slice(0, 1000);
      const retryAfter = e instanceof DeliveryError ? e.retryAfterSeconds : null;
      const giveUp = attempts >= MAX_DELIVERY_ATTEMPTS;
      await db.alertDelivery.update({
        where: { id: d.id },
        data: {
          state: giveUp ? 'failed' : 'retrying',
          lastError: message,
          nextAttemptAt: giveUp ? null : new Date(now().getTime() + retryDelayMs(attempts, retryAfter)),
          updatedAt: now(),
        },
      });
      if (giveUp) {
        summary.failed++;
        loggerFor('alerts', { deliveryId: d.id, channel: d.channel }).error({ attempts, reason: message }, 'delivery failed for good');
      } else summary.retrying++;
    }
  }
  return summary;
}

let kickRunning: Promise<unknown> | null = null;
let kickAgain = false;

/** Sends what is due now in the background (after an escalation, so it does not wait for the loop). */
export function kickDeliveries(db?: Client): void {
  if (kickRunning) {
    kickAgain = true;
    return;
  }
  kickRunning = deliverDueAlerts({ db })
    .catch((e) => loggerFor('alerts').error({ err: e }, 'delivery loop failed'))
    .finally(() => {
      kickRunning = null;
      if (kickAgain) {
        kickAgain = false;
        kickDeliveries(db);
      }
    });
}
