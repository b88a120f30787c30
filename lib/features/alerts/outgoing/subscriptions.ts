/**
 * Webhooks out: a company subscribes a URL to Paidline's events. Each subscription has its own
 * signing secret (shown once, kept encrypted); deliveries are signed like the alert webhook
 * (X-Paidline-Signature: t=<unix seconds>,v1=<HMAC-SHA256(secret, "<t>.<body>")>). Audited.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { InvalidRequestError, NotFoundError } from '@/lib/server/core/app-error';
import { encryptSecret } from '@/lib/server/crypto/secrets';
import { writeAudit } from '@/lib/server/db/audit';
import { getPrisma, type DbClient as Client } from '@/lib/server/db/client';

export const WEBHOOK_EVENTS = ['entry.reopened', 'discrepancy.critical', 'pass.completed', 'ingestion.failed'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

export const EVENT_LABELS: Record<WebhookEventType, string> = {
  'entry.reopened': 'A settled ledger entry was reopened by new facts',
  'discrepancy.critical': 'A pass left critical discrepancies open',
  'pass.completed': 'A ledger pass completed',
  'ingestion.failed': 'An upload or pull failed',
};

export const subscriptionSchema = z.object({
  url: z
    .string()
    .trim()
    .url('The URL must be a full address such as https://hooks.example.com/paidline.')
    .max(2000)
    .refine((u) => /^https?:\/\//i.test(u), 'The URL must start with https:// (or http:// inside your network).'),
  events: z.array(z.enum(WEBHOOK_EVENTS)).min(1, 'Choose at least one event.').max(WEBHOOK_EVENTS.length),
  description: z.string().trim().max(200).default(''),
});
export type SubscriptionInput = z.input<typeof subscriptionSchema>;

type Actor = { id: string; email: string };

export type SubscriptionRow = {
  id: string;
  url: string;
  events: WebhookEventType[];
  description: string;
  active: boolean;
  createdAt: Date;
  deliveries: { sent: number; failed: number; waiting: number; lastAt: Date | null; lastError: string | null };
};

const MAX_SUBSCRIPTIONS = 50;

function parseEvents(json: string): WebhookEventType[] {
  try {
    const parsed = z.array(z.enum(WEBHOOK_EVENTS)).safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

export async function createSubscription(actor: Actor, input: SubscriptionInput, db: Client = getPrisma()): Promise<{ id: string; secret: string }> {
  const data = subscriptionSchema.parse(input);
  const secret = `whsec_${randomBytes(24).toString('base64url')}`;
  return db.$transaction(async (tx) => {
    if ((await tx.webhookSubscription.count({ where: { active: true } })) >= MAX_SUBSCRIPTIONS) throw new InvalidRequestError(`At most ${MAX_SUBSCRIPTIONS} webhook subscriptions: delete one you no longer use.`);
    const row = await tx.webhookSubscription.create({ data: { url: data.url, events: JSON.stringify([...new Set(data.events)]), description: data.description, secretEnc: encryptSecret(secret), createdById: actor.id } });
    await writeAudit(tx, { actor, action: 'webhook_subscription.create', entityType: 'WebhookSubscription', entityId: row.id, after: { url: data.url, events: data.events } });
    return { id: row.id, secret };
  });
}

export async function listSubscriptions(db: Client = getPrisma()): Promise<SubscriptionRow[]> {
  const rows = await db.webhookSubscription.findMany({ where: { active: true }, orderBy: { createdAt: 'asc' } });
  if (!rows.length) return [];
  const [counts, last] = await Promise.all([
    db.webhookDelivery.groupBy({ by: ['subscriptionId', 'state'], where: { subscriptionId: { in: rows.map((r) => r.id) } }, _count: { _all: true } }),
    Promise.all(rows.map((r) => db.webhookDelivery.findFirst({ where: { subscriptionId: r.id, state: { in: ['sent', 'failed', 'retrying'] } }, orderBy: { updatedAt: 'desc' }, select: { updatedAt: true, lastError: true, state: true } }))),
  ]);
  return rows.map((r, i) => {
    const n = (state: string) => counts.find((c) => c.subscriptionId === r.id && c.state === state)?._count._all ?? 0;
    return {
      id: r.id,
      url: r.url,
      events: parseEvents(r.events),
      description: r.description,
      active: r.active,
      createdAt: r.createdAt,
      deliveries: { sent: n('sent'), failed: n('failed'), waiting: n('pending') + n('retrying'), lastAt: last[i]?.updatedAt ?? null, lastError: last[i]?.state === 'sent' ? null : (last[i]?.lastError ?? null) },
    };
  });
}

/** Ends a subscription: nothing more is sent to it (its delivery history stays until it is pruned). */
export async function deleteSubscription(actor: Actor, id: string, db: Client = getPrisma()): Promise<void> {
  await db.$transaction(async (tx) => {
    const row = await tx.webhookSubscription.findUnique({ where: { id } });
    if (!row || !row.active) throw new NotFoundError('No such webhook subscription.');
    await tx.webhookSubscription.update({ where: { id }, data: { active: false } });
    await tx.webhookDelivery.updateMany({ where: { subscriptionId: id, state: { in: ['pending', 'retrying'] } }, data: { state: 'failed', lastError: 'The subscription was deleted.', nextAttemptAt: null } });
    await writeAudit(tx, { actor, action: 'webhook_subscription.delete', entityType: 'WebhookSubscription', entityId: id, before: { url: row.url, events: parseEvents(row.events) } });
  });
}

export { parseEvents };
