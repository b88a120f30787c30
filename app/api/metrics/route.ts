import { NextResponse } from 'next/server';
import { requireApi } from '@/lib/auth/guard';
import { getPrisma } from '@/lib/server/db/client';
import { operationalCounts } from '@/lib/features/quality/queries';
import { renderMetrics } from '@/lib/server/observability/metrics';
import { hasMetricsToken } from '@/lib/server/observability/metrics-token';
import { observe } from '@/lib/server/observability/observe';

export const dynamic = 'force-dynamic';

/**
 * Prometheus metrics in the text format. A scraper sends `Authorization: Bearer $PAIDLINE_METRICS_TOKEN`;
 * without the token only a signed-in admin may read them.
 */
export async function GET(request: Request) {
  return observe('/api/metrics', request, async () => {
    if (!hasMetricsToken(request.headers)) {
      const user = await requireApi('metrics:view');
      if (user instanceof NextResponse) return user;
    }
    const { body, contentType } = await renderMetrics(await operationalCounts(getPrisma()));
    return new Response(body, { headers: { 'Content-Type': contentType, 'Cache-Control': 'no-store' } });
  });
}
