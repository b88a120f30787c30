'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { PermissionError, requireAction } from '@/lib/auth/guard';
import { writeAudit } from '@/lib/server/db/audit';
import { getPrisma } from '@/lib/server/db/client';
import { deliverDueAlerts } from '@/lib/features/alerts/deliver';
import { isButtonUrl, publicBaseUrl } from '@/lib/features/alerts/links';
import { raiseAlert } from '@/lib/features/alerts/raise';
import { loadNotificationSettings, newSecret, saveNotificationSettings, type SecretChange } from '@/lib/features/alerts/settings';
import { telegramClient } from '@/lib/features/alerts/telegram/api';

export type SettingsResult = { ok: true; message: string; generatedSecret?: string } | { ok: false; error: string };

const secretField = z.object({ value: z.string().max(500).default(''), clear: z.boolean().default(false) }).default({ value: '', clear: false });
const inputSchema = z.object({
  config: z.unknown(),
  telegramBotToken: secretField,
  smtpPassword: secretField,
  rotateWebhookSecret: z.boolean().default(false),
});

function change(field: { value: string; clear: boolean }): SecretChange {
  if (field.clear) return { clear: true };
  return field.value.trim() ? { set: field.value.trim() } : { keep: true };
}

function failure(error: unknown): SettingsResult {
  if (error instanceof PermissionError) return { ok: false, error: error.message };
  if (error instanceof z.ZodError) return { ok: false, error: error.issues.map((i) => `${i.path.join('.') || 'settings'}: ${i.message}`).join(' ') };
  throw error;
}

/** Saves the notification settings (admins). Secrets are encrypted; a blank secret field keeps the stored one. */
export async function saveNotificationsAction(raw: unknown): Promise<SettingsResult> {
  try {
    const user = await requireAction('settings:notifications');
    const input = inputSchema.parse(raw ?? {});
    const token = change(input.telegramBotToken);
    if ('set' in token && !/^\d{3,15}:[A-Za-z0-9_-]{20,}$/.test(token.set)) {
      return { ok: false, error: 'That does not look like a bot token (digits, a colon, then letters: copy it from @BotFather).' };
    }
    const db = getPrisma();
    const rotated = input.rotateWebhookSecret ? newSecret() : null;
    const saved = await db.$transaction(async (tx) => {
      const out = await saveNotificationSettings(
        tx,
        {
          config: input.config,
          secrets: {
            telegramBotToken: token,
            // A new bot token gets a new webhook secret too (registered with Telegram from this page).
            telegramSecret: 'set' in token ? { set: newSecret() } : 'clear' in token ? { clear: true } : { keep: true },
            smtpPassword: change(input.smtpPassword),
            ...(rotated ? { webhookSecret: { set: rotated } } : {}),
          },
        },
        user.id,
      );
      await writeAudit(tx, {
        actor: user,
        action: 'settings.notifications',
        entityType: 'NotificationSettings',
        entityId: 'default',
        // Never the secrets: only which ones changed.
        after: { config: out.config, botToken: Object.keys(token)[0], smtpPassword: Object.keys(change(input.smtpPassword))[0], webhookSecretRotated: Boolean(rotated || out.generated.webhookSecret) },
      });
      return out;
    });
    revalidatePath('/settings/notifications');
    const secret = rotated ?? saved.generated.webhookSecret;
    return { ok: true, message: secret ? 'Saved. Copy the new webhook signing secret now: it is not shown again.' : 'Saved.', ...(secret ? { generatedSecret: secret } : {}) };
  } catch (error) {
    return failure(error);
  }
}

/** Sends a test alert through every configured channel now and reports each delivery. */
export async function sendTestAlertAction(): Promise<SettingsResult> {
  try {
    const user = await requireAction('settings:notifications');
    const db = getPrisma();
    const raised = await db.$transaction(async (tx) => {
      const r = await raiseAlert(tx, { rule: 'test', dedupKey: `test:${Date.now()}`, severity: 'info', title: 'Test alert from Paidline', payload: { lines: [`Sent by ${user.email} from Settings → Notifications.`], link: '/alerts' } }, { noThrottle: true });
      await writeAudit(tx, { actor: user, action: 'alert.test', entityType: 'Alert', entityId: 'alertId' in r ? r.alertId : null });
      return r;
    });
    if (raised.outcome !== 'created' || raised.deliveries === 0) return { ok: false, error: 'No channel is configured yet: add a Telegram chat and bot token, an SMTP host and recipients, or a webhook URL, and save.' };
    await deliverDueAlerts({ db });
    const deliveries = await db.alertDelivery.findMany({ where: { alertId: raised.alertId }, select: { channel: true, state: true, lastError: true } });
    const failed = deliveries.filter((d) => d.state !== 'sent');
    const summary = deliveries.map((d) => `${d.channel}: ${d.state === 'sent' ? 'sent' : `${d.state} (${d.lastError ?? 'no detail'})`}`).join('; ');
    revalidatePath('/alerts');
    return failed.length ? { ok: false, error: `Test alert: ${summary}. Failed deliveries are retried; see Alerts.` } : { ok: true, message: `Test alert sent: ${summary}.` };
  } catch (error) {
    return failure(error);
  }
}

/** Registers this instance's webhook with Telegram (setWebhook with the secret token). Needs a public https URL. */
export async function registerTelegramWebhookAction(): Promise<SettingsResult> {
  try {
    const user = await requireAction('settings:notifications');
    const db = getPrisma();
    const settings = await loadNotificationSettings(db);
    if (!settings.secrets.telegramBotToken || !settings.secrets.telegramSecret) return { ok: false, error: 'Save a bot token first.' };
    const url = `${publicBaseUrl()}/api/telegram/webhook`;
    if (!isButtonUrl(url)) return { ok: false, error: `Telegram only calls public https addresses, and this instance's is ${url}. Set PAIDLINE_PUBLIC_URL to its public https address and restart.` };
    try {
      await telegramClient(settings.config.telegram.apiBaseUrl, settings.secrets.telegramBotToken).call('setWebhook', { url, secret_token: settings.secrets.telegramSecret, allowed_updates: ['message', 'callback_query'] });
    } catch (e) {
      return { ok: false, error: (e as Error).message };
    }
    await writeAudit(db, { actor: user, action: 'settings.telegram_webhook', entityType: 'NotificationSettings', entityId: 'default', after: { url } });
    return { ok: true, message: `Telegram now sends button presses to ${url}.` };
  } catch (error) {
    return failure(error);
  }
}
