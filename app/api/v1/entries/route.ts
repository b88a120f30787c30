import { z } from 'zod';
import { endpoints } from '@/lib/api';
import { wantsCsv } from '@/lib/api/csv';
import { decodeCursor, encodeCursor } from '@/lib/api/schemas';
import { listReconciliations } from '@/lib/features/ledger';
import { discrepancyPageAfter, exportDiscrepanciesCsv } from '@/lib/features/review/discrepancies';
import { writeAudit } from '@/lib/server/db/audit';
import { getPrisma } from '@/lib/server/db/client';
import { InvalidRequestError, NotFoundError } from '@/lib/server/core/app-error';
import { csvResponse } from '@/lib/server/http/csv-response';
import { defineApiRoute } from '@/lib/server/pipeline/api';

export const dynamic = 'force-dynamic';

export const GET = defineApiRoute(endpoints.listEntries, async ({ query, request, user, meta }) => {
  const { reconciliation: wanted, cursor, limit, format, ...filters } = query;
  const all = await listReconciliations();
  const rec = wanted ? all.find((r) => r.id === wanted || r.name === wanted) : all[0];
  if (!rec) throw wanted ? new NotFoundError(`No reconciliation "${wanted}".`) : new InvalidRequestError('There is no reconciliation yet: create one first (POST /api/v1/reconciliations).');
  const q = { ...filters, page: 1, size: 50 };
  if (wantsCsv(request, format)) {
    await writeAudit(getPrisma(), { actor: user, action: 'export.discrepancies', entityType: 'Run', entityId: rec.ledgerRunId, after: { via: 'api', filters }, ...meta });
    return csvResponse(`${rec.name}-entries.csv`, exportDiscrepanciesCsv(rec.ledgerRunId, q, { me: user.id }));
  }
  const after = decodeCursor(cursor, z.number().int().positive());
  if (cursor && after === undefined) throw new InvalidRequestError('This cursor is not one a page of entries gave; start again without it.');
  const page = await discrepancyPageAfter(rec.ledgerRunId, q, { me: user.id, after, limit });
  return { reconciliation: { id: rec.id, name: rec.name, ledgerRunId: rec.ledgerRunId }, items: page.rows, nextCursor: page.next === null ? null : encodeCursor(page.next) };
});
