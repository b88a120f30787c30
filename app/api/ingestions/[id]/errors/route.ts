import { NextResponse } from 'next/server';
import { csvResponse } from '@/lib/server/http/csv-response';
import { requireApi } from '@/lib/auth/guard';
import { getIngestion, ingestionErrorsCsv } from '@/lib/features/ingestion/ingestion-queries';
import { writeAudit } from '@/lib/server/db/audit';
import { getPrisma } from '@/lib/server/db/client';

export const dynamic = 'force-dynamic';

/** The invalid rows of an ingestion as CSV: line, column, reason, value. */
export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }) {
  const user = await requireApi('data:export');
  if (user instanceof NextResponse) return user;
  const { id } = await params;
  const ingestion = await getIngestion(id);
  if (!ingestion) return NextResponse.json({ error: 'No such ingestion.' }, { status: 404 });
  await writeAudit(getPrisma(), { actor: user, action: 'export.ingestion_errors', entityType: 'Ingestion', entityId: id });
  const rows = ingestionErrorsCsv(id);
  return csvResponse(`bad-rows-${ingestion.fileName ?? 'upload'}.csv`, rows);
}
