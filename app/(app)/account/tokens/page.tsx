import type { Metadata } from 'next';
import { ApiTokenForm } from '@/components/account/ApiTokenForm';
import { TokenTable } from '@/components/account/TokenTable';
import { Link } from '@/components/ui/Link';
import { PageHeader } from '@/components/ui/PageHeader';
import { requirePage } from '@/lib/auth/guard';
import { can } from '@/lib/domain/permissions';
import { ROLE_LABELS } from '@/lib/domain/roles';
import { listApiTokens, MAX_TOKENS_PER_USER } from '@/lib/features/users/api-tokens';

export const metadata: Metadata = { title: 'API tokens' };

/** The API's description (OpenAPI 3.1), served by the API itself: a document, not a page, so a plain link. */
const OPENAPI = '/api/v1/openapi.json';

/**
 * Personal access tokens: every signed-in role makes and revokes its own; an admin also sees and
 * revokes everyone's. The secret of a new one is shown once, by the form (components/account/ApiTokenForm.tsx).
 */
export default async function ApiTokensPage() {
  const user = await requirePage('account:manage', '/account/tokens');
  const isAdmin = can(user.role, 'users:manage');
  const [mine, everyone] = await Promise.all([listApiTokens({ userId: user.id }), isAdmin ? listApiTokens('all') : Promise.resolve(null)]);
  // eslint-disable-next-line react-hooks/purity -- a request-time page: "expires in N days" is relative to this request
  const now = Date.now();
  const working = mine.filter((t) => t.state === 'active').length;

  return (
    <>
      <PageHeader
        title="API tokens"
        description="Personal access tokens let scripts, CI jobs and the Paidline CLI use the API as you."
        actions={
          <div className="row-actions">
            <Link className="button secondary" href="/api-docs">API reference</Link>
            <Link className="button secondary" href="/account">Back to your account</Link>
          </div>
        }
      />

      <ApiTokenForm
        aside={
          <section className="card" aria-labelledby="how-title">
            <h2 id="how-title" className="section-title">How tokens work</h2>
            <ul className="token-facts">
              <li>
                A token acts <strong>with your role</strong> ({ROLE_LABELS[user.role]}): it can do through the API what you can do here, and no more.
                A read-only token only reads.
              </li>
              <li>
                Send it as <code>Authorization: Bearer pl_…</code>. Its secret is shown once; Paidline keeps only a fingerprint, so nobody can
                show it to you again.
              </li>
              <li>
                Every token of yours stops working when you <strong>sign out everywhere</strong>, <strong>change your password</strong>, or
                your <strong>role changes</strong> (and when an admin disables your account). Revoke one here as soon as you no longer need it.
              </li>
              <li>What a token does is in the audit log under your name, with the token named.</li>
            </ul>
            <p className="muted small">
              You may hold up to {MAX_TOKENS_PER_USER} working tokens. The endpoints and their fields are in the{' '}
              <Link href="/api-docs">API reference</Link> (also as <a href={OPENAPI}>OpenAPI 3.1 JSON</a>, to generate a client).
            </p>
          </section>
        }
      />

      <section className="card table-card" aria-labelledby="mine-title">
        <div className="table-toolbar">
          <h2 id="mine-title">Your tokens</h2>
          <span className="muted small">{working} working of {mine.length}</span>
        </div>
        {mine.length === 0 ? (
          <p className="muted empty-tokens">No tokens yet. Make one above for the first script that should use the API.</p>
        ) : (
          <TokenTable tokens={mine} caption="Your API tokens" testId="my-tokens" now={now} />
        )}
      </section>

      {everyone ? (
        <section className="card table-card" aria-labelledby="everyone-title">
          <div className="table-toolbar">
            <div>
              <h2 id="everyone-title">Everyone&apos;s tokens</h2>
              <p className="muted small">As an admin you can revoke anyone&apos;s token, say when a laptop is lost or someone leaves. Each revocation is audited.</p>
            </div>
            <span className="muted small">{everyone.filter((t) => t.state === 'active').length} working of {everyone.length}</span>
          </div>
          {everyone.length === 0 ? (
            <p className="muted empty-tokens">Nobody has made a token yet.</p>
          ) : (
            <TokenTable tokens={everyone} withOwner caption="Everyone's API tokens" testId="all-tokens" now={now} />
          )}
        </section>
      ) : null}
    </>
  );
}
