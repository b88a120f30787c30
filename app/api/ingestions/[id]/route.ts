import { NextResponse } from 'next/server';
import { NotFoundError } from '@/lib/server/core/app-error';
import { getIngestion } from '@/lib/features/ingestion/ingestion-queries';
import { defineRoute } from '@/lib/server/pipeline/route';

export const dynamic = 'force-dynamic';

/** Status and progress of one ingestion, polled by the upload panel. */
export const GET = defineRoute({ name: '/api/ingestions/[id]', permission: 'sources:view', params: ['id'] }, async (_request, { params }) => {
  const ingestion = await getIngestion(params.id);
  if (!ingestion) throw new NotFoundError('No such ingestion.');
  return NextResponse.json(ingestion);
});
