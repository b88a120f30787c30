import { NextResponse } from 'next/server';
import { getPrisma } from '@/lib/server/db/client';
import { checkHealth } from '@/lib/server/health';
import { defineRoute } from '@/lib/server/pipeline/route';

export const dynamic = 'force-dynamic';

/**
 * Readiness for load balancers and monitoring: 200 when the database answers and its applied
 * migrations are exactly the ones this build ships, else 503 with what is wrong and what to do.
 */
export const GET = defineRoute(
  { name: '/api/health', permission: { public: 'Load balancers probe it; it reveals only whether the database answers and which migrations are pending.' } },
  async (_request, { log }) => {
    const report = await checkHealth(getPrisma());
    if (report.status !== 'ok') log.warn({ checks: report.checks }, 'health check failed');
    return NextResponse.json(report, { status: report.status === 'ok' ? 200 : 503, headers: { 'Cache-Control': 'no-store' } });
  },
);
