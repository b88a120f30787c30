import { getPrisma } from '@/lib/server/db/client';
import { operationalCounts } from '@/lib/features/quality/queries';
import { renderMetrics } from '@/lib/server/observability/metrics';
import { hasMetricsToken } from '@/lib/server/observability/metrics-token';
import { defineRoute } from '@/lib/server/pipeline/route';

export const dynamic = 'force-dynamic';

/**
 * Prometheus metrics in the text format. A scraper sends `Authorization: Bearer $PAIDLINE_METRICS_TOKEN`;
 * without the token only a signed-in admin may read them.
 */
export const GET = defineRoute(
  { name: '/api/metrics', permission: 'metrics:view', alternativeCredential: (request) => hasMetricsToken(request.headers) },
  async () => {
    const { body, contentType } = await renderMetrics(await operationalCounts(getPrisma()));
    return new Response(body, { headers: { 'Content-Type': contentType, 'Cache-Control': 'no-store' } });
  },
);
