import { handleWebhookRequest } from '@/lib/features/ingestion/webhooks/handle-request';
import { serverRefusalReport, webhookMethodNotAllowed } from '@/lib/features/ingestion/webhooks/refused-deliveries';
import { defineRoute } from '@/lib/server/pipeline/route';

/**
 * Webhook endpoint of a source (by id or name): Stripe-signed events, verified against the
 * source's webhook secrets. Public by design (no session; the signature authenticates), so
 * /api/webhooks/ must be listed in lib/auth/public-paths.ts.
 */
export const POST = defineRoute(
  { name: '/api/webhooks/[source]', permission: { public: 'Senders authenticate each delivery by its signature (Stripe-Signature).' }, params: ['source'] },
  async (request, { params, log }) => (await serverRefusalReport(request, params.source)) ?? handleWebhookRequest(request, params.source, { log }),
);

/** Any other method: 405 with Allow: POST, and an attempt row so the source's monitoring shows it. */
const wrongMethod = defineRoute(
  { name: '/api/webhooks/[source]', permission: { public: 'Answers 405 to anything but a POST; records the attempt.' }, params: ['source'] },
  async (request, { params, meta }) => webhookMethodNotAllowed(request, params.source, { ip: meta.ip }),
);
export const GET = wrongMethod;
export const PUT = wrongMethod;
export const PATCH = wrongMethod;
export const DELETE = wrongMethod;
