import { csvResponse } from '@/lib/server/http/csv-response';
import { NotFoundError } from '@/lib/server/core/app-error';
import { writeAudit } from '@/lib/server/db/audit';
import { getPrisma } from '@/lib/server/db/client';
import { dashboardRun } from '@/lib/features/romi/romi-queries';
import { drillCsv, parseRomiQuery } from '@/lib/features/romi/dashboard';
import { defineRoute } from '@/lib/server/pipeline/route';

export const dynamic = 'force-dynamic';

/** The rows behind a dashboard figure as CSV (the drill-down's URL filters), streamed; the export is audited. */
export const GET = defineRoute({ name: '/api/romi/export', permission: 'data:export' }, async (request, { user }) => {
  const q = parseRomiQuery(new URL(request.url).searchParams);
  const kind = q.kind ?? 'revenue';
  const run = await dashboardRun(getPrisma(), q.run);
  if (!run) throw new NotFoundError('No reconciled figures to export yet.');
  await writeAudit(getPrisma(), { actor: user, action: 'export.romi', entityType: 'Run', entityId: run.runId, after: { kind, filters: { from: q.from, to: q.to, channel: q.channel, campaign: q.campaign, model: q.model } } });
  const rows = drillCsv(run.runId, q, kind);
  return csvResponse(`romi-${kind}-${run.runId.slice(-6)}.csv`, rows);
});
