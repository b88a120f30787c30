import { endpoints } from '@/lib/api';
import { requestRomiRebuild } from '@/lib/features/ledger';
import { previewRomiJoin, saveRomiSettings } from '@/lib/features/romi/configure';
import { NotFoundError } from '@/lib/server/core/app-error';
import { getPrisma } from '@/lib/server/db/client';
import { defineApiRoute } from '@/lib/server/pipeline/api';

export const dynamic = 'force-dynamic';

export const PUT = defineApiRoute(endpoints.putRomiSettings, async ({ params, body, user }) => {
  const rec = await getPrisma().reconciliation.findUnique({ where: { id: params.id }, select: { archivedAt: true } });
  if (!rec || rec.archivedAt) throw new NotFoundError('No such reconciliation (or it is archived).');
  const { preview, ...settings } = body;
  if (preview) {
    const { fieldValues: _values, ...p } = await previewRomiJoin(params.id, settings);
    return { changed: false, preview: { ...p, unlinked: p.unlinked as unknown as Record<string, unknown>[] } };
  }
  const { changed } = await saveRomiSettings(params.id, settings, user);
  if (changed) await requestRomiRebuild(params.id);
  return { changed, preview: null };
});
