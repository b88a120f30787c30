import { NextResponse } from 'next/server';
import { requireApi } from '@/lib/auth/guard';
import { getRun } from '@/lib/features/runs';
import { observe } from '@/lib/server/observability/observe';

export const dynamic = 'force-dynamic';

export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  return observe('/api/runs/[id]', request, () => handle(params));
}

/** A run's status and progress (polled by the run page while it works). */
async function handle(params: Promise<{ id: string }>): Promise<Response> {
  const user = await requireApi('runs:view');
  if (user instanceof NextResponse) return user;
  const { id } = await params;
  const run = await getRun(id);
  if (!run) return NextResponse.json({ error: 'No such run.' }, { status: 404 });
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
}
