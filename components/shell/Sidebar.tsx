import { Link } from '@/components/ui/Link';
import { navFor } from '@/lib/auth/navigation';
import { ROLE_LABELS } from '@/lib/domain/roles';
import type { SessionUser } from '@/lib/auth/session-schema';
import { signOutAction } from '@/app/(app)/actions';
import { NavLinks } from './NavLinks';

export function Sidebar({ user }: { user: SessionUser }) {
  const items = navFor(user.role).map(({ href, label, description }) => ({ href, label, description }));
  return (
    <aside className="sidebar">
      <Link href="/" className="brand" aria-label="Paidline home">
        <span className="brand-mark" aria-hidden="true">P</span>
        <span className="brand-name">Paidline</span>
      </Link>
      <NavLinks items={items} />
      <div className="sidebar-footer">
        <div>
          <div className="user-name" data-testid="user-name">{user.name}</div>
          <div className="user-email">{user.email}</div>
        </div>
        <span className="role-badge" data-testid="user-role">{ROLE_LABELS[user.role]}</span>
        <div className="sidebar-actions">
          <Link href="/account">Account</Link>
          <span aria-hidden="true">·</span>
          <Link href="/telegram">Telegram</Link>
          <span aria-hidden="true">·</span>
          <form action={signOutAction} data-no-keepalive>
            <button type="submit" className="link-button">Sign out</button>
          </form>
        </div>
      </div>
    </aside>
  );
}
