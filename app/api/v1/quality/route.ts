import { endpoints } from '@/lib/api';
import { qualityData } from '@/lib/features/quality/queries';
import { defineApiRoute } from '@/lib/server/pipeline/api';

export const dynamic = 'force-dynamic';

export const GET = defineApiRoute(endpoints.getQuality, async ({ query }) => {
  const d = await qualityData({ period: query.period });
  return {
    since: d.since,
    runs: d.runs as unknown as Record<string, unknown>[],
    reasons: d.reasons,
    unmapped: d.unmapped,
    resolutionTimes: { bySeverity: d.bySeverity as unknown as Record<string, unknown>[], byReviewer: d.byReviewer as unknown as Record<string, unknown>[] },
    automatic: d.automatic,
    backlog: d.backlog,
    drift: d.drift,
    freshness: d.freshness as unknown as Record<string, unknown>[],
  };
});
