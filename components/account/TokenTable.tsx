import { ROLE_LABELS, isRole } from '@/lib/domain/roles';
import type { TokenRow, TokenState } from '@/lib/features/users/api-tokens';
import { RevokeTokenButton } from './RevokeTokenButton';

const dateFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: 'UTC' });
const dateTimeFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });

const STATE: Record<TokenState, { label: string; tone: string }> = {
  active: { label: 'Active', tone: 'ok' },
  revoked: { label: 'Revoked', tone: 'bad' },
  expired: { label: 'Expired', tone: 'warn' },
};

const DAY = 86_400_000;

function expiryNote(t: TokenRow, now: number): string | null {
  if (!t.expiresAt || t.state !== 'active') return null;
  const days = Math.ceil((t.expiresAt.getTime() - now) / DAY);
  return days <= 1 ? 'within a day' : `in ${days} days`;
}

/**
 * A list of tokens (a server component; only the Revoke button runs in the browser). `withOwner`:
 * the admin's list of everyone's tokens, with whose each one is.
 */
export function TokenTable({ tokens, withOwner = false, caption, testId, now }: { tokens: TokenRow[]; withOwner?: boolean; caption: string; testId: string; now: number }) {
  return (
    <div className="table-wrap">
      <table className={`data tokens-table${withOwner ? ' with-owner' : ''}`} data-testid={testId}>
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            {withOwner ? <th scope="col">Owner</th> : null}
            <th scope="col">Token</th>
            <th scope="col">Access</th>
            <th scope="col">Created</th>
            <th scope="col">Expires</th>
            <th scope="col">Last used (UTC)</th>
            <th scope="col">State</th>
            <th scope="col"><span className="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {tokens.map((t) => {
            const state = STATE[t.state];
            const note = expiryNote(t, now);
            return (
              <tr key={t.id} className={t.state === 'active' ? undefined : 'token-dead'}>
                {withOwner ? (
                  <td>
                    <code className="token-owner">{t.owner.email}</code>
                    <div className="muted small">{isRole(t.owner.role) ? ROLE_LABELS[t.owner.role] : t.owner.role}</div>
                  </td>
                ) : null}
                <th scope="row" className="token-name">
                  <span>{t.name}</span>
                  <code className="muted small">{t.prefix}…</code>
                </th>
                <td className="nowrap">
                  {t.readOnly ? <span className="pill neutral">Read only</span> : <span className="pill warn">Read &amp; write</span>}
                </td>
                <td className="nowrap">{dateFormat.format(t.createdAt)}</td>
                <td className="nowrap">
                  {t.expiresAt ? dateFormat.format(t.expiresAt) : <span className="muted">Never</span>}
                  {note ? <div className="muted small">{note}</div> : null}
                </td>
                <td className="nowrap" data-testid="token-last-used">
                  {t.lastUsedAt ? (
                    <>
                      {dateTimeFormat.format(t.lastUsedAt)}
                      {t.lastUsedIp ? <div className="muted small">from <code>{t.lastUsedIp}</code></div> : null}
                    </>
                  ) : (
                    <span className="muted">Never</span>
                  )}
                </td>
                <td className="token-state">
                  <span className={`pill ${state.tone}`} title={t.stateReason ?? undefined} data-testid="token-state">{state.label}</span>
                  {/* Why a revoked token stopped working when it was not revoked by hand; an expired one's date is in Expires. */}
                  {t.state === 'revoked' && t.stateReason && t.stateReason !== 'Revoked.' ? <div className="muted small">{t.stateReason}</div> : null}
                </td>
                <td className="token-actions">
                  {t.state === 'active' ? (
                    <RevokeTokenButton tokenId={t.id} name={t.name} prefix={t.prefix} owner={withOwner ? t.owner.email : undefined} />
                  ) : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
