/**
 * Puts an event in the outbox of every active subscription to it: one WebhookDelivery row each,
 * sent by the delivery loop (./deliver.ts). The body is fixed here, so every retry sends the same
 * bytes and a receiver can deduplicate by the event's id.
 */
import { randomUUID } from 'node:crypto';
import type { DbClient as Client } from '@/lib/server/db/client';
import { parseEvents, type WebhookEventType } from './subscriptions';

type OutboxDb = Pick<Client, 'webhookSubscription' | 'webhookDelivery'>;

export async function emitWebhookEvent(db: OutboxDb, type: WebhookEventType, data: Record<string, unknown>, now = new Date()): Promise<number> {
  const subs = (await db.webhookSubscription.findMany({ where: { active: true }, select: { id: true, events: true } })).filter((s) => parseEvents(s.events).includes(type));
  if (!subs.length) return 0;
  const id = `evt_${randomUUID()}`;
  const body = JSON.stringify({ id, type, createdAt: now.toISOString(), data });
  await db.webhookDelivery.createMany({ data: subs.map((s) => ({ subscriptionId: s.id, event: type, body, state: 'pending', nextAttemptAt: now, createdAt: now, updatedAt: now })) });
  return subs.length;
}
