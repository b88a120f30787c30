/**
 * Raising an alert writes to the outbox: an Alert row and one AlertDelivery per configured channel,
 * in the caller's transaction when it has one (so the alert commits with the event that caused it).
 * Nothing is sent here; the delivery loop (deliver.ts) sends.
 *
 * - Deduplication: the same rule and dedup key again within the dedup window bumps the existing
 *   alert's count and lastSeenAt; nothing new is sent.
 * - Throttling: past `throttlePerHour` new alerts of one rule in the last hour, an alert is still
 *   stored (status "throttled", its deliveries "suppressed", visible in the history) but not sent; the
 *   next alert delivered for the rule says how many were held back.
 */
import type { getPrisma } from '@/lib/server/db/client';
import type { AlertKind, AlertSeverity } from './rules';
import { loadNotificationSettings, ruleEnabled, type LoadedSettings } from './settings';
import { targetsFor } from './channels';

type Client = ReturnType<typeof getPrisma>;
export type AlertDb = Pick<Client, 'alert' | 'alertDelivery' | 'notificationSettings'>;

export type AlertPayload = {
  /** Plain-text lines of the message body. */
  lines: string[];
  /** Absolute or app-relative link to what the alert is about. */
  link?: string;
  /** Set on escalation alerts: the Telegram message gets the action buttons. */
  escalationId?: string;
  /** Filled when earlier alerts of the rule were throttled. */
  heldBack?: number;
};

export type RaiseInput = {
  rule: AlertKind;
  dedupKey: string;
  severity: AlertSeverity;
  title: string;
  payload: AlertPayload;
  entityType?: string;
  entityId?: string;
};

export type RaiseResult =
  | { outcome: 'created'; alertId: string; deliveries: number; status: 'delivering' | 'no_channel' }
  | { outcome: 'throttled'; alertId: string }
  | { outcome: 'deduplicated'; alertId: string; count: number }
  | { outcome: 'disabled' };

export async function raiseAlert(
  db: AlertDb,
  input: RaiseInput,
  opts: { now?: Date; settings?: LoadedSettings; noThrottle?: boolean } = {},
): Promise<RaiseResult> {
  const now = opts.now ?? new Date();
  const settings = opts.settings ?? (await loadNotificationSettings(db));
  const { config } = settings;
  if (!ruleEnabled(config, input.rule)) return { outcome: 'disabled' };

  const since = new Date(now.getTime() - config.dedupWindowMinutes * 60_000);
  const existing = await db.alert.findFirst({
    where: { rule: input.rule, dedupKey: input.dedupKey, lastSeenAt: { gte: since } },
    orderBy: { lastSeenAt: 'desc' },
    select: { id: true, count: true },
  });
  if (existing) {
    await db.alert.update({ where: { id: existing.id }, data: { count: { increment: 1 }, lastSeenAt: now } });
    return { outcome: 'deduplicated', alertId: existing.id, count: existing.count + 1 };
  }

  const targets = targetsFor(settings, input.rule, input.severity);
  const hourAgo = new Date(now.getTime() - 3_600_000);
  const throttled =
    !opts.noThrottle &&
    input.rule !== 'escalation' &&
    (await db.alert.count({ where: { rule: input.rule, firstSeenAt: { gte: hourAgo }, status: { not: 'throttled' } } })) >= config.throttlePerHour;

  let payload = input.payload;
  if (!throttled && targets.length) {
    const held = await db.alert.count({ where: { rule: input.rule, status: 'throttled', firstSeenAt: { gte: hourAgo } } });
    if (held) payload = { ...payload, heldBack: held };
  }
  const status = throttled ? 'throttled' : targets.length ? 'delivering' : 'no_channel';
  const alert = await db.alert.create({
    data: {
      rule: input.rule,
      dedupKey: input.dedupKey.slice(0, 500),
      severity: input.severity,
      title: input.title.slice(0, 500),
      payload: JSON.stringify(payload),
      status,
      entityType: input.entityType ?? null,
      entityId: input.entityId ?? null,
      firstSeenAt: now,
      lastSeenAt: now,
    },
    select: { id: true },
  });
  if (targets.length) {
    await db.alertDelivery.createMany({
      data: targets.map((t) => ({
        alertId: alert.id,
        channel: t.channel,
        target: t.target,
        state: throttled ? 'suppressed' : 'pending',
        nextAttemptAt: throttled ? null : now,
        lastError: throttled ? `Throttled: more than ${config.throttlePerHour} alerts of this rule in the last hour.` : null,
        createdAt: now,
        updatedAt: now,
      })),
    });
  }
  if (throttled) return { outcome: 'throttled', alertId: alert.id };
  return { outcome: 'created', alertId: alert.id, deliveries: targets.length, status: status as 'delivering' | 'no_channel' };
}
