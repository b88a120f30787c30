import { csvResponse } from '@/lib/server/http/csv-response';
import { NotFoundError } from '@/lib/server/core/app-error';
import { writeAudit } from '@/lib/server/db/audit';
import { getPrisma } from '@/lib/server/db/client';
import { exportDiscrepanciesCsv, parseDiscrepancyQuery } from '@/lib/features/review/discrepancies';
import { latestCompletedRun } from '@/lib/features/runs';
import { defineRoute } from '@/lib/server/pipeline/route';

export const dynamic = 'force-dynamic';

/** The filtered discrepancies as CSV (same filters as the table's URL), streamed; the export is audited. */
export const GET = defineRoute({ name: '/api/discrepancies/export', permission: 'data:export' }, async (request, { user }) => {
  const params = new URL(request.url).searchParams;
  const query = parseDiscrepancyQuery(params);
  const runId = query.run ?? (await latestCompletedRun())?.id;
  if (!runId) throw new NotFoundError('No completed run to export.');
  const run = await getPrisma().run.findUnique({ where: { id: runId }, select: { id: true, status: true, createdAt: true } });
  if (!run || run.status !== 'completed') throw new NotFoundError('No such completed run.');
  const { page: _p, size: _s, ...filters } = query;
  await writeAudit(getPrisma(), { actor: user, action: 'export.discrepancies', entityType: 'Run', entityId: runId, after: { filters } });
  const rows = exportDiscrepanciesCsv(runId, query, { me: user.id });
  return csvResponse(`discrepancies-${run.createdAt.toISOString().slice(0, 10)}-${runId.slice(-6)}.csv`, rows);
});
