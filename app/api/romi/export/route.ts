import { NextResponse } from 'next/server';
import { requireApi } from '@/lib/auth/guard';
import { writeAudit } from '@/lib/db/audit';
import { getPrisma } from '@/lib/db/client';
import { dashboardRun } from '@/lib/db/romi';
import { drillCsv, parseRomiQuery } from '@/lib/db/romi-dashboard';

export const dynamic = 'force-dynamic';

/** The rows behind a dashboard figure as CSV (the drill-down's URL filters), streamed; the export is audited. */
export async function GET(request: Request) {
  const user = await requireApi('data:export');
  if (user instanceof NextResponse) return user;
  const q = parseRomiQuery(new URL(request.url).searchParams);
  const kind = q.kind ?? 'revenue';
  const run = await dashboardRun(getPrisma(), q.run);
  if (!run) return NextResponse.json({ error: 'No reconciled figures to export yet.' }, { status: 404 });
  await writeAudit(getPrisma(), { actor: user, action: 'export.romi', entityType: 'Run', entityId: run.runId, after: { kind, filters: { from: q.from, to: q.to, channel: q.channel, campaign: q.campaign, model: q.model } } });
  const encoder = new TextEncoder();
  const rows = drillCsv(run.runId, q, kind);
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await rows.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await rows.return(undefined);
    },
  });
  return new Response(body, {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="romi-${kind}-${run.runId.slice(-6)}.csv"`,
      'Cache-Control': 'no-store',
    },
  });
}
