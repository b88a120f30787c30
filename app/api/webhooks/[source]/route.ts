import { handleWebhookRequest } from '@/lib/features/ingestion/webhooks/handle-request';

/**
 * Webhook endpoint of a source (by id or name): Stripe-signed events, verified against the
 * source's webhook secrets. Public by design (no session; the signature authenticates), so
 * /api/webhooks/ must be listed in lib/auth/public-paths.ts.
 */
export async function POST(request: Request, ctx: { params: Promise<{ source: string }> }): Promise<Response> {
  const { source } = await ctx.params;
  return handleWebhookRequest(request, source);
}
