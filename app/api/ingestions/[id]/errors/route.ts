import { csvResponse } from '@/lib/server/http/csv-response';
import { NotFoundError } from '@/lib/server/core/app-error';
import { getIngestion, ingestionErrorsCsv } from '@/lib/features/ingestion/ingestion-queries';
import { writeAudit } from '@/lib/server/db/audit';
import { getPrisma } from '@/lib/server/db/client';
import { defineRoute } from '@/lib/server/pipeline/route';

export const dynamic = 'force-dynamic';

/** The invalid rows of an ingestion as CSV: line, column, reason, value. */
export const GET = defineRoute({ name: '/api/ingestions/[id]/errors', permission: 'data:export', params: ['id'] }, async (_request, { user, params }) => {
  const { id } = params;
  const ingestion = await getIngestion(id);
  if (!ingestion) throw new NotFoundError('No such ingestion.');
  await writeAudit(getPrisma(), { actor: user, action: 'export.ingestion_errors', entityType: 'Ingestion', entityId: id });
  const rows = ingestionErrorsCsv(id);
  return csvResponse(`bad-rows-${ingestion.fileName ?? 'upload'}.csv`, rows);
});
