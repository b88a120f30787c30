import { NextResponse } from 'next/server';
import { getPrisma } from '@/lib/server/db/client';
import { checkHealth } from '@/lib/server/observability/health';
import { observe } from '@/lib/server/observability/observe';

export const dynamic = 'force-dynamic';

/**
 * Readiness for load balancers and monitoring: 200 when the database answers and its applied
 * migrations are exactly the ones this build ships, else 503 with what is wrong and what to do.
 */
export async function GET(request: Request) {
  return observe('/api/health', request, async (log) => {
    const report = await checkHealth(getPrisma());
    if (report.status !== 'ok') log.warn({ checks: report.checks }, 'health check failed');
    return NextResponse.json(report, { status: report.status === 'ok' ? 200 : 503, headers: { 'Cache-Control': 'no-store' } });
  });
}
