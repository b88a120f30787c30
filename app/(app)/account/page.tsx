import type { Metadata } from 'next';
import { PageHeader } from '@/components/ui/PageHeader';
import { requirePage } from '@/lib/auth/guard';
import { actionsFor } from '@/lib/auth/permissions';
import { ROLE_LABELS } from '@/lib/auth/roles';

export const metadata: Metadata = { title: 'Account' };

export default async function AccountPage() {
  const user = await requirePage('account:manage', '/account');
  return (
    <>
      <PageHeader title="Your account" description="Who you are signed in as and what your role allows." />
      <section className="card">
        <dl style={{ display: 'grid', gridTemplateColumns: 'max-content 1fr', gap: '8px 24px', margin: 0 }}>
          <dt className="muted">Name</dt>
          <dd style={{ margin: 0 }}>{user.name}</dd>
          <dt className="muted">E-mail</dt>
          <dd style={{ margin: 0 }}><code>{user.email}</code></dd>
          <dt className="muted">Role</dt>
          <dd style={{ margin: 0 }}>{ROLE_LABELS[user.role]}</dd>
        </dl>
      </section>
      <section className="card" aria-labelledby="perm-title">
        <h2 id="perm-title" style={{ marginBottom: 10 }}>What your role allows</h2>
        <ul style={{ margin: 0, paddingLeft: 18, columns: 2 }}>
          {actionsFor(user.role).map((a) => (
            <li key={a}><code>{a}</code></li>
          ))}
        </ul>
      </section>
    </>
  );
}
