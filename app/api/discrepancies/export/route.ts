import { NextResponse } from 'next/server';
import { csvResponse } from '@/lib/server/http/csv-response';
import { requireApi } from '@/lib/auth/guard';
import { writeAudit } from '@/lib/server/db/audit';
import { getPrisma } from '@/lib/server/db/client';
import { exportDiscrepanciesCsv, parseDiscrepancyQuery } from '@/lib/features/review/discrepancies';
import { latestCompletedRun } from '@/lib/features/runs';
import { observe } from '@/lib/server/observability/observe';

export const dynamic = 'force-dynamic';

export async function GET(request: Request) {
  return observe('/api/discrepancies/export', request, () => handle(request));
}

/** The filtered discrepancies as CSV (same filters as the table's URL), streamed; the export is audited. */
async function handle(request: Request): Promise<Response> {
  const user = await requireApi('data:export');
  if (user instanceof NextResponse) return user;
  const params = new URL(request.url).searchParams;
  const query = parseDiscrepancyQuery(params);
  const runId = query.run ?? (await latestCompletedRun())?.id;
  if (!runId) return NextResponse.json({ error: 'No completed run to export.' }, { status: 404 });
  const run = await getPrisma().run.findUnique({ where: { id: runId }, select: { id: true, status: true, createdAt: true } });
  if (!run || run.status !== 'completed') return NextResponse.json({ error: 'No such completed run.' }, { status: 404 });
  const { page: _p, size: _s, ...filters } = query;
  await writeAudit(getPrisma(), { actor: user, action: 'export.discrepancies', entityType: 'Run', entityId: runId, after: { filters } });
  const rows = exportDiscrepanciesCsv(runId, query, { me: user.id });
  return csvResponse(`discrepancies-${run.createdAt.toISOString().slice(0, 10)}-${runId.slice(-6)}.csv`, rows);
}
