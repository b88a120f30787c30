/**
 * Alert history and outbox queries for the pages (and monitoring): alerts newest first with their
 * deliveries, counts of deliveries by state, and a manual retry of a failed delivery.
 */
import { z } from 'zod';
import { getPrisma } from '@/lib/server/db/client';
import { writeAudit } from '@/lib/server/db/audit';
import { ALERT_RULES, DELIVERY_STATES } from '@/lib/features/alerts/rules';
import { MAX_DELIVERY_ATTEMPTS } from '@/lib/features/alerts/backoff';
import { assertCan } from '@/lib/server/authorize';
import { NotFoundError, InvalidRequestError as ReviewError } from '@/lib/server/core/app-error';
import { type Actor as ReviewActor } from '@/lib/domain/actor';
import type { Prisma } from '@/lib/generated/sqlite/client';

type Client = ReturnType<typeof getPrisma>;

export const alertQuerySchema = z.object({
  rule: z.enum([...ALERT_RULES, 'escalation', 'test']).optional().catch(undefined),
  state: z.enum(DELIVERY_STATES).optional().catch(undefined),
  page: z.coerce.number().int().min(0).max(10_000).default(0).catch(0),
});
export type AlertQuery = z.output<typeof alertQuerySchema>;

export const ALERT_PAGE_SIZE = 50;

export async function listAlerts(q: AlertQuery, db: Client = getPrisma()) {
  const where: Prisma.AlertWhereInput = {
    ...(q.rule ? { rule: q.rule } : {}),
    ...(q.state ? { deliveries: { some: { state: q.state } } } : {}),
  };
  const [rows, total] = await Promise.all([
    db.alert.findMany({
      where,
      orderBy: [{ firstSeenAt: 'desc' }, { id: 'desc' }],
      skip: q.page * ALERT_PAGE_SIZE,
      take: ALERT_PAGE_SIZE,
      include: { deliveries: { orderBy: { createdAt: 'asc' } }, escalation: { select: { id: true, state: true, outcome: true, resultId: true } } },
    }),
    db.alert.count({ where }),
  ]);
  return { rows: rows.map((r) => ({ ...r, payload: JSON.parse(r.payload) as { lines: string[]; link?: string; heldBack?: number } })), total };
}

/** Deliveries per state (pending, retrying, sent, failed, suppressed): what monitoring counts. */
export async function deliveryCounts(db: Client = getPrisma()): Promise<Record<string, number>> {
  const groups = await db.alertDelivery.groupBy({ by: ['state'], _count: { _all: true } });
  const out: Record<string, number> = Object.fromEntries(DELIVERY_STATES.map((s) => [s, 0]));
  for (const g of groups) out[g.state] = g._count._all;
  return out;
}

/** An admin asks for one more attempt of a failed (or suppressed) delivery, now. Audited. */
export async function retryDelivery(id: string, actor: ReviewActor, db: Client = getPrisma()): Promise<void> {
  assertCan(actor, 'settings:notifications');
  await db.$transaction(async (tx) => {
    const d = await tx.alertDelivery.findUnique({ where: { id }, select: { state: true, attempts: true, channel: true, alertId: true } });
    if (!d) throw new NotFoundError('This delivery no longer exists.');
    if (d.state !== 'failed' && d.state !== 'suppressed') throw new ReviewError(`This delivery is ${d.state}; only failed or held-back deliveries are retried by hand.`);
    // One more attempt: the counter goes back one step below the limit so a failure ends as failed again.
    const now = new Date();
    await tx.alertDelivery.update({ where: { id }, data: { state: 'retrying', nextAttemptAt: now, updatedAt: now, attempts: Math.min(d.attempts, MAX_DELIVERY_ATTEMPTS - 1) } });
    await writeAudit(tx, { actor, action: 'alert.delivery_retry', entityType: 'AlertDelivery', entityId: id, before: { state: d.state, attempts: d.attempts }, after: { state: 'retrying', channel: d.channel, alertId: d.alertId } });
  });
}
