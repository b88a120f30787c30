import type { Metadata } from 'next';
import { PageHeader } from '@/components/ui/PageHeader';
import { TelegramLinkPanel } from '@/components/alerts/TelegramLinkPanel';
import { formatDateTime } from '@/components/sources/format';
import { requirePage } from '@/lib/auth/guard';
import { ROLE_LABELS } from '@/lib/domain/roles';
import { telegramLinkOf } from '@/lib/features/alerts/telegram/link';

export const metadata: Metadata = { title: 'Telegram' };
export const dynamic = 'force-dynamic';

export default async function TelegramPage() {
  const user = await requirePage('account:manage', '/telegram');
  const link = await telegramLinkOf(user.id);
  return (
    <>
      <PageHeader title="Telegram" description="Link your Telegram account to act on escalations from the support chat." />
      <section className="card" aria-labelledby="link-title" style={{ maxWidth: 720 }}>
        <h2 id="link-title" className="section-title">Your link</h2>
        <TelegramLinkPanel linked={link ? { username: link.telegramUsername, since: formatDateTime(link.linkedAt) } : null} />
      </section>
      <section className="card" aria-labelledby="how-title" style={{ maxWidth: 720 }}>
        <h2 id="how-title" className="section-title">How it works</h2>
        <ol className="plain-list small">
          <li>1. Create a code here, then send <code>/link</code> and the code to the Paidline bot within 10 minutes.</li>
          <li>2. Escalated discrepancies arrive in the support chat with <em>Acknowledge</em>, <em>Resolve as recommended</em> and <em>Open</em> buttons.</li>
          <li>3. A button acts as you, with your role ({ROLE_LABELS[user.role]}): what you may not do here, you may not do there. Every press is in the audit log.</li>
        </ol>
      </section>
    </>
  );
}
