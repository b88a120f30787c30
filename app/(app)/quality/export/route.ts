import { NextResponse } from 'next/server';
import { requireApi } from '@/lib/auth/guard';
import { writeAudit } from '@/lib/server/db/audit';
import { getPrisma } from '@/lib/server/db/client';
import { parseQualityQuery, qualityData } from '@/lib/features/quality/queries';
import { FIGURES, figureCsv, isFigure } from '@/lib/features/quality/export';
import { observe } from '@/lib/server/observability/observe';

export const dynamic = 'force-dynamic';

/** One data-quality figure as CSV (?figure=runs|reasons|...&period=&run=), formula-safe; the export is audited. */
export async function GET(request: Request) {
  return observe('/quality/export', request, async (log) => {
    const user = await requireApi('quality:view');
    if (user instanceof NextResponse) return user;
    const params = new URL(request.url).searchParams;
    const figure = params.get('figure');
    if (!isFigure(figure)) {
      return NextResponse.json({ error: `Choose a figure to export: ${Object.keys(FIGURES).join(', ')}.` }, { status: 400 });
    }
    const q = parseQualityQuery(params);
    const data = await qualityData(q);
    await writeAudit(getPrisma(), { actor: user, action: 'export.quality', entityType: 'Quality', entityId: figure, after: { period: q.period, run: data.run?.id ?? null } });
    log.info({ figure, period: q.period }, 'quality figure exported');
    return new Response(figureCsv(figure, data), {
      headers: {
        'Content-Type': 'text/csv; charset=utf-8',
        'Content-Disposition': `attachment; filename="paidline-quality-${figure}-${q.period}.csv"`,
        'Cache-Control': 'no-store',
      },
    });
  });
}
