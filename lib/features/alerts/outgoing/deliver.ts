/**
 * Sends due outgoing webhook events: each row is claimed first (so two instances never send it
 * twice), signed with its subscription's secret, posted with the outbound guard (no private
 * addresses unless allowed), and retried with the alerts' backoff until it is sent or has failed
 * for good (kept with its last error).
 */
import { decryptSecret } from '@/lib/server/crypto/secrets';
import { getPrisma, type DbClient as Client } from '@/lib/server/db/client';
import { isOutboundBlocked, outboundErrorMessage, outboundFetch } from '@/lib/server/http/outbound';
import { loggerFor } from '@/lib/server/observability/logger';
import { MAX_DELIVERY_ATTEMPTS, retryDelayMs } from '../backoff';
import { SIGNATURE_HEADER, signAlertBody } from '../sign';

const LEASE_MS = 120_000;

export async function deliverDueWebhookEvents(opts: { db?: Client; now?: () => Date; limit?: number } = {}): Promise<{ attempted: number; sent: number; retrying: number; failed: number }> {
  const db = opts.db ?? getPrisma();
  const now = opts.now ?? (() => new Date());
  const summary = { attempted: 0, sent: 0, retrying: 0, failed: 0 };
  const due = await db.webhookDelivery.findMany({
    where: { state: { in: ['pending', 'retrying'] }, nextAttemptAt: { lte: now() } },
    orderBy: { nextAttemptAt: 'asc' },
    take: opts.limit ?? 50,
    include: { subscription: { select: { url: true, secretEnc: true, active: true } } },
  });
  for (const d of due) {
    const claim = await db.webhookDelivery.updateMany({ where: { id: d.id, state: d.state, attempts: d.attempts }, data: { attempts: d.attempts + 1, nextAttemptAt: new Date(now().getTime() + LEASE_MS), updatedAt: now() } });
    if (claim.count !== 1) continue;
    summary.attempted++;
    const attempts = d.attempts + 1;
    let status: number | null = null;
    try {
      if (!d.subscription.active || !d.subscription.secretEnc) throw Object.assign(new Error('The subscription was deleted.'), { final: true });
      const t = Math.floor(now().getTime() / 1000);
      let response: Response;
      try {
        response = await outboundFetch(d.subscription.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'Paidline-Webhooks/1', 'x-paidline-event': d.event, [SIGNATURE_HEADER]: signAlertBody(decryptSecret(d.subscription.secretEnc), d.body, t) },
          body: d.body,
          redirect: 'manual',
          signal: AbortSignal.timeout(10_000),
        });
      } catch (e) {
        if (isOutboundBlocked(e)) throw Object.assign(new Error(outboundErrorMessage(e)), { final: true });
        throw new Error(`No answer (${(e as Error).name === 'TimeoutError' ? 'timeout' : (e as Error).message})`);
      }
      status = response.status;
      await response.body?.cancel().catch(() => undefined);
      if (status < 200 || status >= 300) {
        const retryAfter = Number(response.headers.get('retry-after'));
        throw Object.assign(new Error(`The receiver answered ${status}.`), { retryAfter: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null });
      }
      await db.webhookDelivery.update({ where: { id: d.id }, data: { state: 'sent', sentAt: now(), responseStatus: status, lastError: null, nextAttemptAt: null, updatedAt: now() } });
      summary.sent++;
    } catch (e) {
      const err = e as Error & { final?: boolean; retryAfter?: number | null };
      const giveUp = err.final === true || attempts >= MAX_DELIVERY_ATTEMPTS;
      await db.webhookDelivery.update({
        where: { id: d.id },
        data: { state: giveUp ? 'failed' : 'retrying', responseStatus: status, lastError: err.message.slice(0, 1000), nextAttemptAt: giveUp ? null : new Date(now().getTime() + retryDelayMs(attempts, err.retryAfter ?? null)), updatedAt: now() },
      });
      if (giveUp) {
        summary.failed++;
        loggerFor('webhooks-out', { deliveryId: d.id, event: d.event }).error({ attempts, reason: err.message }, 'webhook event failed for good');
      } else summary.retrying++;
    }
  }
  return summary;
}

let kickRunning: Promise<unknown> | null = null;
let kickAgain = false;

/** Sends what is due now in the background (after a pass emitted events), instead of waiting for the loop. */
export function kickWebhookDeliveries(db?: Client): void {
  if (kickRunning) {
    kickAgain = true;
    return;
  }
  kickRunning = deliverDueWebhookEvents({ db })
    .catch((e) => loggerFor('webhooks-out').error({ err: e }, 'webhook delivery failed'))
    .finally(() => {
      kickRunning = null;
      if (kickAgain) {
        kickAgain = false;
        kickWebhookDeliveries(db);
      }
    });
}
