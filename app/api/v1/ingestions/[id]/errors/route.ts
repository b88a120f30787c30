import { endpoints } from '@/lib/api';
import { decodeCursor, encodeCursor } from '@/lib/api/schemas';
import { z } from 'zod';
import { ingestionErrorsCsv } from '@/lib/features/ingestion/ingestion-queries';
import { NotFoundError } from '@/lib/server/core/app-error';
import { getPrisma } from '@/lib/server/db/client';
import { csvResponse } from '@/lib/server/http/csv-response';
import { wantsCsv } from '@/lib/api/csv';
import { defineApiRoute } from '@/lib/server/pipeline/api';

export const dynamic = 'force-dynamic';

export const GET = defineApiRoute(endpoints.ingestionErrors, async ({ params, query, request }) => {
  const db = getPrisma();
  if (!(await db.ingestion.findUnique({ where: { id: params.id }, select: { id: true } }))) throw new NotFoundError('No such ingestion.');
  if (wantsCsv(request, query.format)) return csvResponse(`ingestion-${params.id}-errors.csv`, ingestionErrorsCsv(params.id));
  const after = decodeCursor(query.cursor, z.number().int()) ?? 0;
  const rows = await db.ingestionError.findMany({ where: { ingestionId: params.id, id: { gt: after } }, orderBy: { id: 'asc' }, take: query.limit + 1 });
  const page = rows.slice(0, query.limit);
  return {
    items: page.map((r) => ({ line: r.line, column: r.column, reason: r.reason, value: r.value })),
    nextCursor: rows.length > query.limit ? encodeCursor(page[page.length - 1]!.id) : null,
  };
});
