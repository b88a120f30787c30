import { endpoints } from '@/lib/api';
import { requestRomiRebuilds } from '@/lib/features/ledger';
import { channelValues, saveChannelMapping } from '@/lib/features/romi/channel-map';
import { defineApiRoute } from '@/lib/server/pipeline/api';

export const dynamic = 'force-dynamic';

export const GET = defineApiRoute(endpoints.listChannels, async () => ({ items: await channelValues() }));

export const PUT = defineApiRoute(endpoints.mapChannels, async ({ body, user }) => {
  const changed = await saveChannelMapping(body.mappings, user);
  if (changed) await requestRomiRebuilds();
  return { changed };
});
