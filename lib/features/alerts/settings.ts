/**
 * Notification settings: one database row. The non-secret part is JSON validated by `configSchema`;
 * the bot token, the Telegram webhook secret, the SMTP password and the outgoing-webhook signing
 * secret are encrypted at rest with lib/server/crypto/secrets.ts and never sent back to the browser.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { DEFAULT_STALE_AFTER_HOURS } from '@/lib/domain/freshness';
import { decryptSecret, encryptSecret } from '@/lib/server/crypto/secrets';
import type { getPrisma } from '@/lib/server/db/client';
import { ALERT_RULES, CHANNELS, type AlertKind, type AlertSeverity, RULE_INFO } from './rules';
import { loggerFor } from '@/lib/server/observability/logger';

type Client = ReturnType<typeof getPrisma>;
type Db = Pick<Client, 'notificationSettings'>;

export const DEFAULT_TELEGRAM_API = 'https://api.telegram.org';

const chatId = z
  .string()
  .trim()
  .regex(/^(-?\d{1,20}|@[A-Za-z0-9_]{5,32})?$/, 'A Telegram chat id is a number such as -1001234567890 (or @channelname).')
  .default('');

const ruleSchema = z.object({
  enabled: z.boolean().default(true),
  channels: z.array(z.enum(CHANNELS)).default(['telegram', 'email', 'webhook']),
});

const rulesDefault = Object.fromEntries(ALERT_RULES.map((r) => [r, { enabled: true, channels: ['telegram', 'email', 'webhook'] }]));

export const configSchema = z.object({
  telegram: z
    .object({
      apiBaseUrl: z.string().trim().url('The Bot API base URL must be a URL such as https://api.telegram.org.').default(DEFAULT_TELEGRAM_API),
      /** Fallback chat for everything. */
      defaultChatId: chatId,
      /** A chat per severity wins over the team's chat. */
      severityChats: z.object({ critical: chatId, warning: chatId, info: chatId }).default({ critical: '', warning: '', info: '' }),
      /** A chat per team: finance (discrepancies, runs, escalations), data (ingestion, drift, staleness, webhooks). */
      teamChats: z.object({ finance: chatId, data: chatId }).default({ finance: '', data: '' }),
    })
    .default({ apiBaseUrl: DEFAULT_TELEGRAM_API, defaultChatId: '', severityChats: { critical: '', warning: '', info: '' }, teamChats: { finance: '', data: '' } }),
  email: z
    .object({
      host: z.string().trim().max(255).default(''),
      port: z.coerce.number().int().min(1).max(65535).default(587),
      secure: z.boolean().default(false),
      user: z.string().trim().max(255).default(''),
      from: z.string().trim().max(255).default(''),
      /** Comma-separated recipients. */
      to: z.string().trim().max(2000).default(''),
    })
    .default({ host: '', port: 587, secure: false, user: '', from: '', to: '' }),
  webhook: z
    .object({ url: z.union([z.literal(''), z.string().trim().url('The alert webhook URL must be a full URL (https://…).')]).default('') })
    .default({ url: '' }),
  rules: z.partialRecord(z.enum(ALERT_RULES), ruleSchema).default(rulesDefault),
  thresholds: z
    .object({
      /** Discrepancy rate above this percentage of a run's keys fires discrepancy_rate. */
      discrepancyRatePercent: z.coerce.number().min(0).max(100).default(5),
      /** A source with no ingestion for this many hours is stale. */
      staleHours: z.coerce.number().int().min(1).max(24 * 90).default(DEFAULT_STALE_AFTER_HOURS),
      /** This many refused webhook signatures within the window fire signature_failures. */
      signatureFailures: z.coerce.number().int().min(1).max(100_000).default(10),
      signatureWindowMinutes: z.coerce.number().int().min(1).max(24 * 60).default(15),
    })
    .default({ discrepancyRatePercent: 5, staleHours: DEFAULT_STALE_AFTER_HOURS, signatureFailures: 10, signatureWindowMinutes: 15 }),
  /** The same rule and dedup key within this window only bumps the existing alert's count. */
  dedupWindowMinutes: z.coerce.number().int().min(1).max(7 * 24 * 60).default(60),
  /** At most this many new alerts per rule per hour are delivered; the rest are kept, not sent. */
  throttlePerHour: z.coerce.number().int().min(1).max(1000).default(10),
  /** Critical discrepancies (gateway Paid, bank Failed or absent) are escalated to Telegram automatically. */
  autoEscalateCritical: z.boolean().default(false),
  /** At most this many automatic escalations per run; the rest are counted in the run's critical alert. */
  autoEscalateLimit: z.coerce.number().int().min(1).max(500).default(10),
});
export type NotificationConfig = z.output<typeof configSchema>;

export const DEFAULT_CONFIG: NotificationConfig = configSchema.parse({});

export type NotificationSecrets = {
  telegramBotToken: string | null;
  telegramSecret: string | null;
  smtpPassword: string | null;
  webhookSecret: string | null;
};

export type LoadedSettings = { config: NotificationConfig; secrets: NotificationSecrets; hasSecret: Record<keyof NotificationSecrets, boolean> };

function open(token: string | null): string | null {
  if (!token) return null;
  try {
    return decryptSecret(token);
  } catch (e) {
    loggerFor('alerts').error({ err: e }, 'a stored notification secret cannot be decrypted');
    return null;
  }
}

/** The settings with secrets decrypted (server side only). Defaults when nothing is stored. */
export async function loadNotificationSettings(db: Db): Promise<LoadedSettings> {
  const row = await db.notificationSettings.findUnique({ where: { id: 'default' } });
  const parsed = row ? configSchema.safeParse(JSON.parse(row.config)) : null;
  const config = parsed?.success ? parsed.data : DEFAULT_CONFIG;
  const secrets: NotificationSecrets = {
    telegramBotToken: open(row?.telegramBotTokenEnc ?? null),
    telegramSecret: open(row?.telegramSecretEnc ?? null),
    smtpPassword: open(row?.smtpPasswordEnc ?? null),
    webhookSecret: open(row?.webhookSecretEnc ?? null),
  };
  const hasSecret = {
    telegramBotToken: Boolean(row?.telegramBotTokenEnc),
    telegramSecret: Boolean(row?.telegramSecretEnc),
    smtpPassword: Boolean(row?.smtpPasswordEnc),
    webhookSecret: Boolean(row?.webhookSecretEnc),
  };
  return { config, secrets, hasSecret };
}

/** What a secret field of the form asks: keep the stored value, set a new one, or clear it. */
export type SecretChange = { keep: true } | { set: string } | { clear: true };

export function newSecret(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * Saves the configuration and applies the secret changes. Setting a bot token without a
 * Telegram webhook secret generates one; setting the webhook URL without a signing secret too.
 */
export async function saveNotificationSettings(
  db: Db,
  input: { config: unknown; secrets: Partial<Record<keyof NotificationSecrets, SecretChange>> },
  actorId: string | null,
): Promise<{ config: NotificationConfig; generated: Partial<Record<'webhookSecret', string>> }> {
  const config = configSchema.parse(input.config);
  const row = await db.notificationSettings.findUnique({ where: { id: 'default' } });
  const enc = (name: keyof NotificationSecrets, column: 'telegramBotTokenEnc' | 'telegramSecretEnc' | 'smtpPasswordEnc' | 'webhookSecretEnc') => {
    const change = input.secrets[name];
    if (!change || 'keep' in change) return row?.[column] ?? null;
    if ('clear' in change) return null;
    return encryptSecret(change.set);
  };
  const data = {
    config: JSON.stringify(config),
    telegramBotTokenEnc: enc('telegramBotToken', 'telegramBotTokenEnc'),
    telegramSecretEnc: enc('telegramSecret', 'telegramSecretEnc'),
    smtpPasswordEnc: enc('smtpPassword', 'smtpPasswordEnc'),
    webhookSecretEnc: enc('webhookSecret', 'webhookSecretEnc'),
    updatedById: actorId,
  };
  const generated: Partial<Record<'webhookSecret', string>> = {};
  if (data.telegramBotTokenEnc && !data.telegramSecretEnc) data.telegramSecretEnc = encryptSecret(newSecret());
  if (config.webhook.url && !data.webhookSecretEnc) {
    generated.webhookSecret = newSecret();
    data.webhookSecretEnc = encryptSecret(generated.webhookSecret);
  }
  await db.notificationSettings.upsert({ where: { id: 'default' }, create: { id: 'default', ...data }, update: data });
  return { config, generated };
}

/** The Telegram chat for an alert: the severity's chat, else the team's, else the default. */
export function telegramChatFor(config: NotificationConfig, kind: AlertKind, severity: AlertSeverity): string | null {
  const t = config.telegram;
  return t.severityChats[severity] || t.teamChats[RULE_INFO[kind].team] || t.defaultChatId || null;
}

export function ruleEnabled(config: NotificationConfig, kind: AlertKind): boolean {
  if (kind === 'escalation' || kind === 'test') return true;
  return config.rules[kind]?.enabled ?? true;
}
