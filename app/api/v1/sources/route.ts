import { endpoints } from '@/lib/api';
import { sourceView } from '@/lib/api/views';
import { createSource, listSources } from '@/lib/features/ingestion/sources';
import { PRESETS } from '@/lib/features/ingestion/presets';
import { InvalidRequestError } from '@/lib/server/core/app-error';
import { defineApiRoute } from '@/lib/server/pipeline/api';

export const dynamic = 'force-dynamic';

export const GET = defineApiRoute(endpoints.listSources, async () => {
  const items = await listSources();
  return { items: items.map(({ currentVersion, ...s }) => ({ ...s, profileVersion: currentVersion })) };
});

export const POST = defineApiRoute(endpoints.createSource, async ({ body, user }) => {
  const { preset: presetId, profile, ...data } = body;
  const preset = presetId ? PRESETS.find((p) => p.id === presetId) : null;
  if (presetId && !preset) throw new InvalidRequestError(`Unknown preset "${presetId}". GET /api/v1/presets lists them.`);
  if (preset && profile) throw new InvalidRequestError('Send a preset or a profile, not both.');
  const { id } = await createSource(data, { actor: user, profile: profile ?? preset?.profile, presetId: presetId ?? null });
  return (await sourceView(id))!;
});
