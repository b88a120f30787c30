import { endpoints } from '@/lib/api';
import { cancelIngestion } from '@/lib/features/ingestion/cancel-ingestion';
import { decideIngestion } from '@/lib/features/ingestion/process-ingestion';
import { NotFoundError } from '@/lib/server/core/app-error';
import { getPrisma } from '@/lib/server/db/client';
import { defineApiRoute } from '@/lib/server/pipeline/api';

export const dynamic = 'force-dynamic';

export const POST = defineApiRoute(endpoints.decideIngestion, async ({ params, body, user }) => {
  const ingestion = await getPrisma().ingestion.findUnique({ where: { id: params.id }, select: { status: true } });
  if (!ingestion) throw new NotFoundError('No such ingestion.');
  // A staged upload (not mapped yet) is cancelled: its file goes; one waiting for a decision is committed or aborted.
  if (ingestion.status === 'staged' && body.decision === 'abort') await cancelIngestion(params.id, user);
  else await decideIngestion(params.id, body.decision, user);
  return { ok: true as const };
});
