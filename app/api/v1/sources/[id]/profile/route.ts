import { endpoints } from '@/lib/api';
import { ensureProfileVersion, getSource } from '@/lib/features/ingestion/sources';
import { NotFoundError } from '@/lib/server/core/app-error';
import { defineApiRoute } from '@/lib/server/pipeline/api';

export const dynamic = 'force-dynamic';

export const PUT = defineApiRoute(endpoints.updateSourceProfile, async ({ params, body, user }) => {
  const source = await getSource(params.id);
  if (!source || source.archivedAt) throw new NotFoundError('This source does not exist.');
  const v = await ensureProfileVersion(params.id, body.profile, { actor: user, presetId: body.presetId ?? null, note: body.note || 'Saved through the API' });
  return { version: v.version, created: v.created };
});
