import { NextResponse } from 'next/server';
import { csvResponse } from '@/lib/csv-response';
import { requireApi } from '@/lib/auth/guard';
import { writeAudit } from '@/lib/db/audit';
import { getPrisma } from '@/lib/db/client';
import { dashboardRun } from '@/lib/db/romi';
import { drillCsv, parseRomiQuery } from '@/lib/db/romi-dashboard';
import { observe } from '@/lib/observability/observe';

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
