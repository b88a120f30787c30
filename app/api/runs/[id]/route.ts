import { NextResponse } from 'next/server';
import { NotFoundError } from '@/lib/server/core/app-error';
import { getRun } from '@/lib/features/runs';
import { defineRoute } from '@/lib/server/pipeline/route';

export const dynamic = 'force-dynamic';

/** A run's status and progress (polled by the run page while it works). */
export const GET = defineRoute({ name: '/api/runs/[id]', permission: 'runs:view', params: ['id'] }, async (_request, { params }) => {
  const run = await getRun(params.id);
  if (!run) throw new NotFoundError('No such run.');
  return NextResponse.json(
    {
      id: run.id,
      status: run.status,
      phase: run.phase,
      progress: run.progress,
      progressTotal: run.progressTotal,
      message: run.message,
      totalKeys: run.totalKeys,
      classes: { matched: run.matched, mismatched: run.mismatched, missing: run.missing, duplicate: run.duplicate },
      critical: run.critical,
      autoResolved: run.autoResolved,
    },
    { headers: { 'Cache-Control': 'no-store' } },
  );
});
