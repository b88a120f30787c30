import { SessionKeepAlive } from '@/components/shell/SessionKeepAlive';
import { Sidebar } from '@/components/shell/Sidebar';
import { requireSignedIn } from '@/lib/auth/guard';

export default async function AppLayout({ children }: { children: React.ReactNode }) {
  const user = await requireSignedIn('/');
  return (
    <div className="shell">
      <a href="#content" className="skip-link">Skip to content</a>
      <Sidebar user={user} />
      <SessionKeepAlive />
      <main id="content" className="main">
        {children}
      </main>
    </div>
  );
}
