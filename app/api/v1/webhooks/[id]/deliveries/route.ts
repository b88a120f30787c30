import { endpoints } from '@/lib/api';
import { NotFoundError } from '@/lib/server/core/app-error';
import { getPrisma } from '@/lib/server/db/client';
import { defineApiRoute } from '@/lib/server/pipeline/api';

export const dynamic = 'force-dynamic';

export const GET = defineApiRoute(endpoints.listWebhookDeliveries, async ({ params, query }) => {
  const db = getPrisma();
  if (!(await db.webhookSubscription.findUnique({ where: { id: params.id }, select: { id: true } }))) throw new NotFoundError('No such webhook subscription.');
  const rows = await db.webhookDelivery.findMany({ where: { subscriptionId: params.id }, orderBy: { createdAt: 'desc' }, take: query.limit });
  return {
    items: rows.map((r) => ({ id: r.id, event: r.event, state: r.state, attempts: r.attempts, responseStatus: r.responseStatus, lastError: r.lastError, createdAt: r.createdAt, sentAt: r.sentAt, body: JSON.parse(r.body) as unknown })),
  };
});
