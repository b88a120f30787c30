import type { Metadata } from 'next';
import { Link } from '@/components/ui/Link';
import { PageHeader } from '@/components/ui/PageHeader';
import { EmptyState } from '@/components/ui/EmptyState';
import { ChannelMappingForm } from '@/components/sources/ChannelMappingForm';
import { requirePage } from '@/lib/auth/guard';
import { can } from '@/lib/domain/permissions';
import { channelValues } from '@/lib/features/romi/channel-map';

export const metadata: Metadata = { title: 'Channels' };
export const dynamic = 'force-dynamic';

export default async function ChannelsPage() {
  const user = await requirePage('sources:view', '/sources/channels');
  const values = await channelValues();
  return (
    <>
      <p style={{ marginBottom: 8 }}><Link href="/sources">← Sources</Link></p>
      <PageHeader
        title="Channels"
        description="Your channel names, mapped once: the lead sources your CRM writes and the ad platforms your spend comes from count as the channel you choose here. Nothing is renamed until you say so."
      />
      {values.length ? (
        <section className="card">
          <ChannelMappingForm values={values} canEdit={can(user.role, 'reconciliations:manage')} />
        </section>
      ) : (
        <EmptyState
          title="No channels yet"
          message="Channels come from your CRM's deals (their lead source or channel column) and from your ad-spend sources."
          steps={[{ title: 'Upload a CRM export and an ad report', detail: 'Under Sources; then map each platform to the channel your CRM uses.' }]}
        />
      )}
    </>
  );
}
