import type { Metadata } from 'next';
import { Link } from '@/components/ui/Link';
import { PageHeader } from '@/components/ui/PageHeader';
import { NotificationSettingsForm } from '@/components/alerts/NotificationSettingsForm';
import { requirePage } from '@/lib/auth/guard';
import { getPrisma } from '@/lib/server/db/client';
import { isButtonUrl, publicBaseUrl } from '@/lib/features/alerts/links';
import { loadNotificationSettings } from '@/lib/features/alerts/settings';
import { EVENT_LABELS, listSubscriptions, WEBHOOK_EVENTS } from '@/lib/features/alerts/outgoing/subscriptions';
import { WebhookSubscriptions } from '@/components/alerts/WebhookSubscriptions';

export const metadata: Metadata = { title: 'Notifications' };
export const dynamic = 'force-dynamic';

export default async function NotificationSettingsPage() {
  await requirePage('settings:notifications', '/settings/notifications');
  const { config, hasSecret } = await loadNotificationSettings(getPrisma());
  const endpoint = `${publicBaseUrl()}/api/telegram/webhook`;
  const subscriptions = await listSubscriptions();
  return (
    <>
      <p style={{ marginBottom: 8 }}><Link href="/settings">← Settings</Link></p>
      <PageHeader
        title="Notifications"
        description="Where alerts and escalations go: the Telegram support bot, e-mail and a signed webhook. Secrets are stored encrypted and never shown again."
        actions={<Link className="button secondary" href="/alerts">Alert history</Link>}
      />
      <NotificationSettingsForm
        config={config}
        has={{ telegramBotToken: hasSecret.telegramBotToken, smtpPassword: hasSecret.smtpPassword, webhookSecret: hasSecret.webhookSecret }}
        webhookEndpoint={endpoint}
        endpointPublic={isButtonUrl(endpoint)}
      />
      <WebhookSubscriptions
        events={WEBHOOK_EVENTS.map((id) => ({ id, label: EVENT_LABELS[id] }))}
        subscriptions={subscriptions.map((s) => ({ ...s, createdAt: s.createdAt.toISOString(), deliveries: { ...s.deliveries, lastAt: s.deliveries.lastAt?.toISOString() ?? null } }))}
      />
    </>
  );
}
