import { endpoints } from '@/lib/api';
import { createSubscription, listSubscriptions } from '@/lib/features/alerts/outgoing/subscriptions';
import { defineApiRoute } from '@/lib/server/pipeline/api';

export const dynamic = 'force-dynamic';

export const GET = defineApiRoute(endpoints.listWebhooks, async () => ({ items: await listSubscriptions() }));

export const POST = defineApiRoute(endpoints.createWebhook, async ({ body, user }) => createSubscription(user, body));
