import { endpoints } from '@/lib/api';
import { sourceView } from '@/lib/api/views';
import { currentProfileVersion, listProfileVersions } from '@/lib/features/ingestion/sources';
import { NotFoundError } from '@/lib/server/core/app-error';
import { defineApiRoute } from '@/lib/server/pipeline/api';

export const dynamic = 'force-dynamic';

export const GET = defineApiRoute(endpoints.getSource, async ({ params }) => {
  const source = await sourceView(params.id);
  if (!source) throw new NotFoundError('This source does not exist.');
  const [current, versions] = await Promise.all([currentProfileVersion(params.id), listProfileVersions(params.id)]);
  return {
    ...source,
    profile: current ? { version: current.version, presetId: current.presetId, profile: current.profile } : null,
    versions: versions.map((v) => ({ version: v.version, presetId: v.presetId, note: v.note, createdAt: v.createdAt.toISOString() })),
  };
});
