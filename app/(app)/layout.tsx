import { SessionKeepAlive } from '@/components/shell/SessionKeepAlive';
import { Sidebar } from '@/components/shell/Sidebar';
import { requireSignedIn } from '@/lib/auth/guard';
import { UiProvider } from '@/components/ui/Toasts';
import { headers } from 'next/headers';

export default async function AppLayout({ children }: { children: React.ReactNode }) {
  const user = await requireSignedIn('/');
  const nonce = (await headers()).get('x-nonce');
  return (
    <UiProvider nonce={nonce}>
    <div className="shell">
      <a href="#content" className="skip-link">Skip to content</a>
      <Sidebar user={user} />
      <SessionKeepAlive />
      <main id="content" className="main">
        {children}
      </main>
    </div>
    </UiProvider>
  );
}
