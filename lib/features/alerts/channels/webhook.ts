/** An outgoing webhook: a signed JSON POST to the configured URL. */
import { isOutboundBlocked, outboundErrorMessage, outboundFetch } from '@/lib/server/http/outbound';
import { absoluteLink } from '../links';
import type { AlertPayload } from '../raise';
import { SIGNATURE_HEADER, signAlertBody } from '../sign';
import { DeliveryError, type AlertChannel, type AlertRow, type Job } from './types';

export const webhookChannel: AlertChannel = {
  id: 'webhook',
  target: (settings) => (settings.config.webhook.url && settings.secrets.webhookSecret ? settings.config.webhook.url : null),
  send: sendWebhook,
};

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
    response = await outboundFetch(delivery.target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Paidline-Alerts/1', [SIGNATURE_HEADER]: signAlertBody(secret, body, t) },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(10_000),
    });
  } catch (e) {
    if (isOutboundBlocked(e)) throw new DeliveryError(`Webhook: ${outboundErrorMessage(e)}`);
    throw new DeliveryError(`Webhook: no answer (${(e as Error).name === 'TimeoutError' ? 'timeout' : (e as Error).message})`);
  }
  if (response.status < 200 || response.status >= 300) {
    const retryAfter = Number(response.headers.get('retry-after'));
    throw new DeliveryError(`Webhook answered ${response.status}.`, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null);
  }
  return null;
}
