import type { Metadata } from 'next';
import { Link } from '@/components/ui/Link';
import { CreateUserForm } from '@/components/settings/CreateUserForm';
import { UserAdminControls } from '@/components/settings/UserAdminControls';
import { PageHeader } from '@/components/ui/PageHeader';
import { requirePage } from '@/lib/auth/guard';
import { ROLE_LABELS } from '@/lib/domain/roles';
import { listUsers } from '@/lib/features/users/queries';
import { fxSettings } from '@/lib/features/romi/fx';
import { getPrisma } from '@/lib/server/db/client';
import { FxSettingsForm } from '@/components/settings/FxSettingsForm';

export const metadata: Metadata = { title: 'Settings' };

const dateFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });

export default async function SettingsPage() {
  const me = await requirePage('settings:view', '/settings');
  const [users, fx, currencies] = await Promise.all([
    listUsers(),
    fxSettings(),
    getPrisma().sourceRecord.findMany({ where: { currency: { not: '' } }, distinct: ['currency'], select: { currency: true }, take: 50 }),
  ]);
  return (
    <>
      <PageHeader
        title="Settings"
        description="People and their roles, and the audit trail of everything they did."
        actions={<div className="row-actions"><Link className="button secondary" href="/settings/notifications">Notifications</Link><Link className="button secondary" href="/settings/audit">Audit log</Link></div>}
      />
      <section className="card" aria-labelledby="fx-title" id="fx">
        <h2 id="fx-title" style={{ marginBottom: 6 }}>Reporting currency and exchange rates</h2>
        <p className="muted small" style={{ marginBottom: 12 }}>The dashboards convert payments and spend in other currencies with each month&apos;s rate, say which rates they used, and keep a month without a rate apart.</p>
        <FxSettingsForm base={fx.base} rates={fx.rates} currencies={currencies.map((c) => c.currency).sort()} />
      </section>
      <section className="card" aria-labelledby="users-title">
        <h2 id="users-title" style={{ marginBottom: 12 }}>Users</h2>
        <div className="table-wrap">
          <table className="data">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">E-mail</th>
                <th scope="col">Role</th>
                <th scope="col">MFA</th>
                <th scope="col">Last sign-in (UTC)</th>
                <th scope="col"><span className="sr-only">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              {users.map((u) => (
                <tr key={u.id}>
                  <td>{u.name}</td>
                  <td><code>{u.email}</code></td>
                  <td><span className="pill neutral">{ROLE_LABELS[u.role]}</span></td>
                  <td>
                    {u.mfaEnabled ? <span className="pill ok">On</span> : <span className="muted">Off</span>}
                    {u.disabled ? <> <span className="pill bad">Disabled</span></> : null}
                    {u.heldUntil ? <> <span className="pill warn" title={`Repeated failed sign-ins from several places: new browsers wait until ${dateFormat.format(u.heldUntil)}. A password reset lifts it.`}>Sign-in held</span></> : null}
                  </td>
                  <td className="muted">{u.lastLoginAt ? dateFormat.format(u.lastLoginAt) : 'Never'}</td>
                  <td style={{ textAlign: 'right' }}>
                    {u.id === me.id ? (
                      <span className="muted small">You</span>
                    ) : (
                      <UserAdminControls user={{ id: u.id, email: u.email, role: u.role, mfaEnabled: u.mfaEnabled, disabled: u.disabled }} />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <section className="card" aria-labelledby="new-user-title">
        <h2 id="new-user-title" style={{ marginBottom: 4 }}>Add a user</h2>
        <p className="muted" style={{ marginBottom: 14 }}>A one-time password is generated; the user should change it after the first sign-in.</p>
        <CreateUserForm />
      </section>
    </>
  );
}
