import { endpoints } from '@/lib/api';
import { resolveDiscrepancy } from '@/lib/features/review/resolve';
import { defineApiRoute } from '@/lib/server/pipeline/api';

export const dynamic = 'force-dynamic';

export const POST = defineApiRoute(endpoints.resolveEntry, async ({ params, body, user }) => {
  const { version, ...resolution } = body;
  return resolveDiscrepancy(params.id, version, resolution, user);
});
