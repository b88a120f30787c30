import { NextResponse } from 'next/server';
import { csvResponse } from '@/lib/server/http/csv-response';
import { requireApi } from '@/lib/auth/guard';
import { writeAudit } from '@/lib/server/db/audit';
import { getPrisma } from '@/lib/server/db/client';
import { dashboardRun } from '@/lib/features/romi/romi-queries';
import { drillCsv, parseRomiQuery } from '@/lib/features/romi/dashboard';
import { observe } from '@/lib/server/observability/observe';

export const dynamic = 'force-dynamic';

export async function GET(request: Request) {
  return observe('/api/romi/export', request, () => handle(request));
}

/** The rows behind a dashboard figure as CSV (the drill-down's URL filters), streamed; the export is audited. */
async function handle(request: Request): Promise<Response> {
  const user = await requireApi('data:export');
  if (user instanceof NextResponse) return user;
  const q = parseRomiQuery(new URL(request.url).searchParams);
  const kind = q.kind ?? 'revenue';
  const run = await dashboardRun(getPrisma(), q.run);
  if (!run) return NextResponse.json({ error: 'No reconciled figures to export yet.' }, { status: 404 });
  await writeAudit(getPrisma(), { actor: user, action: 'export.romi', entityType: 'Run', entityId: run.runId, after: { kind, filters: { from: q.from, to: q.to, channel: q.channel, campaign: q.campaign, model: q.model } } });
  const rows = drillCsv(run.runId, q, kind);
  return csvResponse(`romi-${kind}-${run.runId.slice(-6)}.csv`, rows);
}
