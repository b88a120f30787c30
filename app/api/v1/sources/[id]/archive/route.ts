import { endpoints } from '@/lib/api';
import { archiveSource } from '@/lib/features/ingestion/manage-source';
import { getSource } from '@/lib/features/ingestion/sources';
import { NotFoundError } from '@/lib/server/core/app-error';
import { defineApiRoute } from '@/lib/server/pipeline/api';

export const dynamic = 'force-dynamic';

export const POST = defineApiRoute(endpoints.archiveSource, async ({ params, user }) => {
  if (!(await getSource(params.id))) throw new NotFoundError('This source does not exist.');
  await archiveSource(params.id, user);
  return { ok: true as const };
});
