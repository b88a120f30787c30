import { endpoints } from '@/lib/api';
import { PRESETS } from '@/lib/features/ingestion/presets';
import { defineApiRoute } from '@/lib/server/pipeline/api';

export const dynamic = 'force-dynamic';

export const GET = defineApiRoute(endpoints.listPresets, async () => ({
  items: PRESETS.map((p) => ({ id: p.id, label: p.label, kind: p.kind, profile: p.profile as Record<string, unknown> })),
}));
