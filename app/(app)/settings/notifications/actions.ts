'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { AppError, InvalidRequestError } from '@/lib/server/core/app-error';
import { defineAction, issueMessages, type ActionResult } from '@/lib/server/pipeline/action';
import { writeAudit } from '@/lib/server/db/audit';
import { getPrisma } from '@/lib/server/db/client';
import { deliverDueAlerts } from '@/lib/features/alerts/deliver';
import { isButtonUrl, publicBaseUrl } from '@/lib/features/alerts/links';
import { raiseAlert } from '@/lib/features/alerts/raise';
import { loadNotificationSettings, newSecret, saveNotificationSettings, type SecretChange } from '@/lib/features/alerts/settings';
import { telegramClient } from '@/lib/features/alerts/telegram/api';
import { createSubscription, deleteSubscription, subscriptionSchema } from '@/lib/features/alerts/outgoing/subscriptions';

export type SettingsDone = { message: string; generatedSecret?: string };
export type SettingsResult = ActionResult<SettingsDone>;

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

const SETTINGS = { permission: 'settings:notifications', invalidMessage: issueMessages.withPaths('settings', ' ') } as const;

/** Saves the notification settings (admins). Secrets are encrypted; a blank secret field keeps the stored one. */
export const saveNotificationsAction = defineAction(
  { name: 'settings.notifications.save', ...SETTINGS, input: z.preprocess((raw) => raw ?? {}, inputSchema), revalidate: '/settings/notifications' },
  async (input, { user }): Promise<SettingsDone> => {
    const token = change(input.telegramBotToken);
    if ('set' in token && !/^\d{3,15}:[A-Za-z0-9_-]{20,}$/.test(token.set)) {
      throw new InvalidRequestError('That does not look like a bot token (digits, a colon, then letters: copy it from @BotFather).');
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
    const secret = rotated ?? saved.generated.webhookSecret;
    return { message: secret ? 'Saved. Copy the new webhook signing secret now: it is not shown again.' : 'Saved.', ...(secret ? { generatedSecret: secret } : {}) };
  },
);

/** Sends a test alert through every configured channel now and reports each delivery. */
export const sendTestAlertAction = defineAction({ name: 'settings.notifications.test_alert', ...SETTINGS }, async (_input, { user }): Promise<SettingsDone> => {
  const db = getPrisma();
  const raised = await db.$transaction(async (tx) => {
    const r = await raiseAlert(tx, { rule: 'test', dedupKey: `test:${Date.now()}`, severity: 'info', title: 'Test alert from Paidline', payload: { lines: [`Sent by ${user.email} from Settings → Notifications.`], link: '/alerts' } }, { noThrottle: true });
    await writeAudit(tx, { actor: user, action: 'alert.test', entityType: 'Alert', entityId: 'alertId' in r ? r.alertId : null });
    return r;
  });
  if (raised.outcome !== 'created' || raised.deliveries === 0) throw new InvalidRequestError('No channel is configured yet: add a Telegram chat and bot token, an SMTP host and recipients, or a webhook URL, and save.');
  await deliverDueAlerts({ db });
  const deliveries = await db.alertDelivery.findMany({ where: { alertId: raised.alertId }, select: { channel: true, state: true, lastError: true } });
  const failed = deliveries.filter((d) => d.state !== 'sent');
  const summary = deliveries.map((d) => `${d.channel}: ${d.state === 'sent' ? 'sent' : `${d.state} (${d.lastError ?? 'no detail'})`}`).join('; ');
  revalidatePath('/alerts');
  if (failed.length) throw new AppError('upstream', `Test alert: ${summary}. Failed deliveries are retried; see Alerts.`);
  return { message: `Test alert sent: ${summary}.` };
});

/** Registers this instance's webhook with Telegram (setWebhook with the secret token). Needs a public https URL. */
export const registerTelegramWebhookAction = defineAction({ name: 'settings.notifications.telegram_webhook', ...SETTINGS }, async (_input, { user }): Promise<SettingsDone> => {
  const db = getPrisma();
  const settings = await loadNotificationSettings(db);
  if (!settings.secrets.telegramBotToken || !settings.secrets.telegramSecret) throw new InvalidRequestError('Save a bot token first.');
  const url = `${publicBaseUrl()}/api/telegram/webhook`;
  if (!isButtonUrl(url)) throw new InvalidRequestError(`Telegram only calls public https addresses, and this instance's is ${url}. Set PAIDLINE_PUBLIC_URL to its public https address and restart.`);
  try {
    await telegramClient(settings.config.telegram.apiBaseUrl, settings.secrets.telegramBotToken).call('setWebhook', { url, secret_token: settings.secrets.telegramSecret, allowed_updates: ['message', 'callback_query'] });
  } catch (e) {
    throw new AppError('upstream', (e as Error).message, { cause: e });
  }
  await writeAudit(db, { actor: user, action: 'settings.telegram_webhook', entityType: 'NotificationSettings', entityId: 'default', after: { url } });
  return { message: `Telegram now sends button presses to ${url}.` };
});

// ---------------------------------------------------------------- webhooks out

/** Subscribes a URL to events; the signing secret is returned here once. */
export const createWebhookSubscriptionAction = defineAction(
  { name: 'settings.webhooks.create', ...SETTINGS, input: z.tuple([subscriptionSchema]), revalidate: '/settings/notifications' },
  async ([input], { user }) => createSubscription(user, input),
);

/** Ends a subscription: nothing more is sent to it. */
export const deleteWebhookSubscriptionAction = defineAction(
  { name: 'settings.webhooks.delete', ...SETTINGS, input: z.tuple([z.string().min(1).max(64)]), revalidate: '/settings/notifications' },
  async ([id], { user }) => {
    await deleteSubscription(user, id);
    return null;
  },
);
