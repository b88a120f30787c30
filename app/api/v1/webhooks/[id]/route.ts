import { endpoints } from '@/lib/api';
import { deleteSubscription } from '@/lib/features/alerts/outgoing/subscriptions';
import { defineApiRoute } from '@/lib/server/pipeline/api';

export const dynamic = 'force-dynamic';

export const DELETE = defineApiRoute(endpoints.deleteWebhook, async ({ params, user }) => {
  await deleteSubscription(user, params.id);
  return { ok: true as const };
});
