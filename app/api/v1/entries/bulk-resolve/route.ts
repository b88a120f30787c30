import { endpoints } from '@/lib/api';
import { bulkResolve } from '@/lib/features/review/resolve';
import { defineApiRoute } from '@/lib/server/pipeline/api';

export const dynamic = 'force-dynamic';

export const POST = defineApiRoute(endpoints.bulkResolveEntries, async ({ body, user }) => bulkResolve(body.items, body.resolution, user));
