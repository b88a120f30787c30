import type { Metadata } from 'next';
import { Link } from '@/components/ui/Link';
import { redirect } from 'next/navigation';
import QRCode from 'qrcode';
import { ChangePasswordForm } from '@/components/account/ChangePasswordForm';
import { DisableMfaForm, MfaConfirmForm, RegenerateRecoveryCodesForm } from '@/components/account/MfaForms';
import { PageHeader } from '@/components/ui/PageHeader';
import { currentSession } from '@/lib/auth/guard';
import { formatSecretForDisplay, mfaRequiredFor, totpUri } from '@/lib/features/users/totp';
import { homeFor } from '@/lib/auth/navigation';
import { ROLE_LABELS } from '@/lib/domain/roles';
import { mfaStatus } from '@/lib/features/users/mfa';
import { beginMfaAction, cancelMfaAction } from '../actions';

export const metadata: Metadata = { title: 'Security' };

const dateFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });

/** The QR code as an SVG data URL (the CSP allows data: images; no script, no third party). */
async function qrDataUrl(uri: string): Promise<string> {
  const svg = await QRCode.toString(uri, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

/**
 * Two-factor authentication and password. Open to every signed-in user, including one whose role requires
 * MFA and who has not enrolled yet: they are confined here (lib/auth/guard.ts) until they have.
 */
export default async function SecurityPage() {
  const session = await currentSession();
  if (!session) redirect('/login?callbackUrl=%2Faccount%2Fsecurity');
  const { user, mfaPending } = session;
  const status = await mfaStatus(user.id);
  const required = mfaRequiredFor(user.role);
  const pending = status.pendingSecret;
  const qr = pending ? await qrDataUrl(totpUri(user.email, pending)) : null;

  return (
    <>
      <PageHeader
        title="Security"
        description="Two-factor authentication and your password."
        actions={mfaPending ? undefined : <Link className="button secondary" href="/account">Back to your account</Link>}
      />
      {mfaPending ? (
        <div className="alert info" role="status" data-testid="mfa-required">
          Your role ({ROLE_LABELS[user.role]}) requires two-factor authentication. Set it up below to continue: until then,
          the rest of Paidline stays closed to this account.
        </div>
      ) : null}

      <section className="card" aria-labelledby="mfa-title">
        <h2 id="mfa-title" style={{ marginBottom: 6 }}>
          Two-factor authentication{' '}
          {status.enabled ? <span className="pill ok" data-testid="mfa-state">On</span> : <span className="pill neutral" data-testid="mfa-state">Off</span>}
        </h2>
        {status.enabled ? (
          <div className="stack">
            <p className="muted" style={{ margin: 0 }}>
              On since {status.enrolledAt ? dateFormat.format(status.enrolledAt) : 'an unknown date'} (UTC). Signing in asks for a code from
              your authenticator app after the password. <strong data-testid="recovery-left">{status.recoveryCodesLeft}</strong> of 10
              recovery codes left.
            </p>
            <div className="two-col">
              <section aria-labelledby="regen-title">
                <h3 id="regen-title" className="section-title">New recovery codes</h3>
                <p className="muted small">Lost or used up your codes? Make a new set; the old ones stop working.</p>
                <RegenerateRecoveryCodesForm />
              </section>
              <section aria-labelledby="off-title">
                <h3 id="off-title" className="section-title">Turn off</h3>
                <p className="muted small">Moving to a new phone? Turn it off here, then set it up again on the new one.</p>
                <DisableMfaForm required={required} />
              </section>
            </div>
          </div>
        ) : pending ? (
          <div className="stack">
            <ol className="steps" style={{ margin: 0 }}>
              <li>
                <span className="step-no">1</span>
                <div>
                  <strong>Scan this QR code with an authenticator app</strong>
                  <span>Google Authenticator, Microsoft Authenticator, 1Password, Authy, or any TOTP app.</span>
                </div>
              </li>
            </ol>
            <div style={{ display: 'flex', gap: 24, alignItems: 'center', flexWrap: 'wrap' }}>
              {/* eslint-disable-next-line @next/next/no-img-element -- a generated data URL, nothing to optimise */}
              <img src={qr ?? ''} alt="QR code to add Paidline to an authenticator app" width={184} height={184} data-testid="mfa-qr" style={{ border: '1px solid var(--border)', borderRadius: 8 }} />
              <div>
                <p className="muted small" style={{ margin: '0 0 6px' }}>Cannot scan? Enter this key in the app (time-based, 6 digits):</p>
                <code data-testid="mfa-secret" style={{ fontSize: 16, letterSpacing: 1 }}>{formatSecretForDisplay(pending)}</code>
                <p className="muted small" style={{ margin: '6px 0 0' }}>Account: {user.email} · Issuer: Paidline</p>
              </div>
            </div>
            <ol className="steps" start={2} style={{ margin: 0 }}>
              <li>
                <span className="step-no">2</span>
                <div>
                  <strong>Enter the code the app shows</strong>
                  <span>Two-factor authentication goes on only when the code matches.</span>
                </div>
              </li>
            </ol>
            <MfaConfirmForm next={homeFor(user.role)} />
            <form action={cancelMfaAction}>
              <button type="submit" className="link-like small">Cancel the set-up</button>
            </form>
          </div>
        ) : (
          <div className="stack">
            <p className="muted" style={{ margin: 0 }}>
              {required
                ? 'Required for your role. '
                : 'Recommended. '}
              After your password, Paidline will ask for a 6-digit code from an authenticator app on your phone, so a stolen
              password alone is not enough to sign in.
            </p>
            <form action={beginMfaAction}>
              <button className="button" type="submit">Set up two-factor authentication</button>
            </form>
          </div>
        )}
      </section>

      <section className="card" aria-labelledby="password-title">
        <h2 id="password-title" style={{ marginBottom: 6 }}>Password</h2>
        <p className="muted small" style={{ marginTop: 0 }}>Changing it signs you out on every browser and device, this one included.</p>
        <ChangePasswordForm />
      </section>
    </>
  );
}
