import { handleWebhookRequest } from '@/lib/features/ingestion/webhooks/handle-request';
import { defineRoute } from '@/lib/server/pipeline/route';

/**
 * Webhook endpoint of a source (by id or name): Stripe-signed events, verified against the
 * source's webhook secrets. Public by design (no session; the signature authenticates), so
 * /api/webhooks/ must be listed in lib/auth/public-paths.ts.
 */
export const POST = defineRoute(
  { name: '/api/webhooks/[source]', permission: { public: 'Senders authenticate each delivery by its signature (Stripe-Signature).' }, params: ['source'] },
  async (request, { params, log }) => handleWebhookRequest(request, params.source, { log }),
);
