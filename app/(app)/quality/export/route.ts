import { AppError } from '@/lib/server/core/app-error';
import { writeAudit } from '@/lib/server/db/audit';
import { getPrisma } from '@/lib/server/db/client';
import { parseQualityQuery, qualityData } from '@/lib/features/quality/queries';
import { FIGURES, figureCsv, isFigure } from '@/lib/features/quality/export';
import { defineRoute } from '@/lib/server/pipeline/route';

export const dynamic = 'force-dynamic';

/** One data-quality figure as CSV (?figure=runs|reasons|...&period=&run=), formula-safe; the export is audited. */
export const GET = defineRoute({ name: '/quality/export', permission: 'quality:view' }, async (request, { user, log }) => {
  const params = new URL(request.url).searchParams;
  const figure = params.get('figure');
  if (!isFigure(figure)) throw new AppError('invalid_input', `Choose a figure to export: ${Object.keys(FIGURES).join(', ')}.`);
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
