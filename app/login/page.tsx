import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { LoginForm } from '@/components/auth/LoginForm';
import { currentUser } from '@/lib/auth/guard';
import { safeCallbackPath } from '@/lib/auth/safe-redirect';
import { DEMO_ACCOUNTS, DEMO_PASSWORD, isDemoMode } from '@/lib/demo/accounts';
import { ROLE_LABELS } from '@/lib/domain/roles';

export const metadata: Metadata = { title: 'Sign in' };

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string }> }) {
  const { callbackUrl } = await searchParams;
  const target = safeCallbackPath(callbackUrl);
  if (await currentUser()) redirect(target);

  return (
    <div className="auth-page">
      <aside className="auth-aside">
        <div className="brand" aria-hidden="true">
          <span className="brand-mark">P</span>
          <span className="brand-name">Paidline</span>
        </div>
        <div>
          <h1>ROMI on revenue that was actually paid.</h1>
          <p>
            Paidline reconciles what your gateway, bank, CRM and ERP say about every payment, routes the disagreements
            to finance, and reports marketing return only on money that arrived.
          </p>
          <ul className="auth-points">
            <li>Every system&apos;s statuses mapped to one glossary</li>
            <li>Mismatches classified, with the action your procedure prescribes</li>
            <li>A full audit trail for every resolution</li>
          </ul>
        </div>
        <p className="auth-foot">Paidline · payment reconciliation and ROMI</p>
      </aside>
      <main className="auth-main">
        <div className="auth-card">
          <h2>Sign in</h2>
          <p>Use the account your administrator created for you.</p>
          <LoginForm callbackUrl={target} />
          {isDemoMode() ? (
            <section className="demo-box" aria-labelledby="demo-title">
              <h3 id="demo-title">Demo accounts · password <code>{DEMO_PASSWORD}</code></h3>
              <table>
                <tbody>
                  {DEMO_ACCOUNTS.map((a) => (
                    <tr key={a.email}>
                      <td>{ROLE_LABELS[a.role]}</td>
                      <td><code>{a.email}</code></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          ) : null}
        </div>
      </main>
    </div>
  );
}
