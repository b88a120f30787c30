import type { Metadata } from 'next';
import { Link } from '@/components/ui/Link';
import { PageHeader } from '@/components/ui/PageHeader';
import { requirePage } from '@/lib/auth/guard';
import { ACTION_LABELS, actionsFor } from '@/lib/domain/permissions';
import { ROLE_LABELS } from '@/lib/domain/roles';
import { mfaRequiredFor } from '@/lib/features/users/totp';
import { mfaStatus } from '@/lib/features/users/mfa';
import { listApiTokens } from '@/lib/features/users/api-tokens';
import { signOutEverywhereAction } from './actions';

export const metadata: Metadata = { title: 'Account' };

export default async function AccountPage() {
  const user = await requirePage('account:manage', '/account');
  const [mfa, tokens] = await Promise.all([mfaStatus(user.id), listApiTokens({ userId: user.id })]);
  const workingTokens = tokens.filter((t) => t.state === 'active').length;
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
      <section className="card" aria-labelledby="security-title">
        <h2 id="security-title" style={{ marginBottom: 6 }}>Security</h2>
        <div className="row-actions" style={{ justifyContent: 'space-between' }}>
          <p style={{ margin: 0 }}>
            Two-factor authentication:{' '}
            {mfa.enabled ? <span className="pill ok">On</span> : <span className="pill neutral">Off</span>}
            {!mfa.enabled && mfaRequiredFor(user.role) ? <span className="muted"> (required for your role)</span> : null}
          </p>
          <Link className="button secondary" href="/account/security">Two-factor and password</Link>
        </div>
        <hr style={{ border: 0, borderTop: '1px solid var(--border)', margin: '16px 0' }} />
        <div className="row-actions" style={{ justifyContent: 'space-between' }}>
          <p className="muted" style={{ margin: 0, maxWidth: 560 }}>
            Left Paidline open on another computer, or lost a device? End every session of your account, this one included; your API tokens stop working too.
          </p>
          <form action={signOutEverywhereAction} data-no-keepalive>
            <button className="button secondary" type="submit">Sign out everywhere</button>
          </form>
        </div>
      </section>
      <section className="card" aria-labelledby="api-title">
        <h2 id="api-title" style={{ marginBottom: 6 }}>API and command line</h2>
        <div className="row-actions" style={{ justifyContent: 'space-between' }}>
          <p className="muted" style={{ margin: 0, maxWidth: 600 }}>
            Automate uploads and month-end checks from a script or the <code>paidline</code> command line with a personal access
            token: it acts with your role.{' '}
            <span data-testid="token-count">
              {workingTokens === 0 ? 'You have no working tokens.' : `You have ${workingTokens} working token${workingTokens === 1 ? '' : 's'}.`}
            </span>
          </p>
          <div className="row-actions">
            <Link className="button secondary" href="/account/tokens">Manage API tokens</Link>
            <Link className="button secondary" href="/api-docs">API reference</Link>
          </div>
        </div>
      </section>
      <section className="card" aria-labelledby="perm-title">
        <h2 id="perm-title" style={{ marginBottom: 10 }}>What your role allows</h2>
        <ul style={{ margin: 0, paddingLeft: 18, columns: 2 }}>
          {actionsFor(user.role).map((a) => (
            <li key={a}>{ACTION_LABELS[a]}</li>
          ))}
        </ul>
      </section>
    </>
  );
}
