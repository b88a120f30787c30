import { endpoints } from '@/lib/api';
import { reprocessIngestion } from '@/lib/features/ingestion/reprocess-ingestion';
import { NotFoundError } from '@/lib/server/core/app-error';
import { getPrisma } from '@/lib/server/db/client';
import { defineApiRoute } from '@/lib/server/pipeline/api';

export const dynamic = 'force-dynamic';

export const POST = defineApiRoute(endpoints.reprocessIngestion, async ({ params, user }) => {
  if (!(await getPrisma().ingestion.findUnique({ where: { id: params.id }, select: { id: true } }))) throw new NotFoundError('No such ingestion.');
  return (await reprocessIngestion(params.id, user)) as unknown as Record<string, unknown>;
});
