import { endpoints } from '@/lib/api';
import { getIngestion } from '@/lib/features/ingestion/ingestion-queries';
import { NotFoundError } from '@/lib/server/core/app-error';
import { defineApiRoute } from '@/lib/server/pipeline/api';

export const dynamic = 'force-dynamic';

export const GET = defineApiRoute(endpoints.getIngestion, async ({ params }) => {
  const ingestion = await getIngestion(params.id);
  if (!ingestion) throw new NotFoundError('No such ingestion.');
  return { ...ingestion, drift: ingestion.drift as { kind: string; severity: 'blocking' | 'warning'; message: string }[] };
});
