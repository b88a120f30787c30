/**
 * The delivery loop's one step: send every due outbox row (AlertDelivery pending or retrying with
 * nextAttemptAt <= now). Each row is claimed first (attempts + 1 and a lease on nextAttemptAt, only
 * if nobody claimed it meanwhile), so two instances never send the same row twice. A failure is
 * retried with backoff (backoff.ts); after the last attempt the row is "failed", with its error,
 * and stays in the alert history. Small and self-contained so a job queue can call it instead.
 */
import { getPrisma } from '@/lib/server/db/client';
import { MAX_DELIVERY_ATTEMPTS, retryDelayMs } from './backoff';
import type { AlertPayload } from './raise';
import { loadNotificationSettings } from './settings';
import { alertChannel, DeliveryError, type Sender } from './channels';
import { loggerFor } from '@/lib/server/observability/logger';

type Client = ReturnType<typeof getPrisma>;

export { DeliveryError, type Sender } from './channels';
export { webhookBody } from './channels/webhook';

const LEASE_MS = 120_000;

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
    const sender = opts.senders?.[d.channel] ?? alertChannel(d.channel)?.send;
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
