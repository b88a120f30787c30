// No runtime import of 'next-auth' itself here (it pulls in next/server): the tests run this configuration
// through @auth/core's Auth() exactly as NextAuth() does (test/integration/sessions-cookies.test.ts).
import type { NextAuthConfig } from 'next-auth';
import { CredentialsSignin } from '@auth/core/errors';
import Credentials from 'next-auth/providers/credentials';
import { writeAudit } from '@/lib/server/db/audit';
import { getPrisma } from '@/lib/server/db/client';
import { authConfig } from './config';
import { requestMeta } from '../server/http/request-meta';
import { consume } from '@/lib/server/rate-limit';
import { decideSignIn } from './signin';
import { loggerFor } from '@/lib/server/observability/logger';

class InvalidCredentials extends CredentialsSignin {
  code = 'invalid_credentials';
}

class AccountLocked extends CredentialsSignin {
  code = 'account_locked';
}

class RateLimited extends CredentialsSignin {
  code = 'rate_limited';
}

/** The password was right and the account has MFA: carries the signed challenge for the code step. */
export class MfaRequired extends CredentialsSignin {
  code = 'mfa_required';
  constructor(readonly challenge: string) {
    super();
  }
}

class CodeWrong extends CredentialsSignin {
  code = 'code_wrong';
}

class CodeReplayed extends CredentialsSignin {
  code = 'code_replayed';
}

class ChallengeExpired extends CredentialsSignin {
  code = 'challenge_expired';
}

/** Failed attempts are answered slowly, so guessing is slow even before the lock. */
const FAILURE_DELAY_MS = 700;

/** The full Auth.js configuration: the proxy-safe part (./config.ts) plus the Credentials provider and events. */
export const authOptions = {
  ...authConfig,
  logger: {
    // A wrong password is an expected outcome, already audited: keep it out of the error log.
    error(error) {
      if (error.name === 'CredentialsSignin' || (error as { type?: string }).type === 'CredentialsSignin') return;
      loggerFor('auth').error({ err: error }, 'Auth.js error');
    },
  },
  providers: [
    Credentials({
      credentials: {
        email: { label: 'E-mail', type: 'email' },
        password: { label: 'Password', type: 'password' },
        code: { label: 'Authentication code', type: 'text' },
        challenge: { type: 'hidden' },
      },
      async authorize(raw, request) {
        const meta = requestMeta(request.headers);
        // Per client IP, before any password or code is tried (the per-account lock comes on top).
        const budget = await consume('signinIp', meta.ip ?? 'unknown');
        if (!budget.ok) throw new RateLimited();
        const decision = await decideSignIn(raw, meta);
        if (decision.ok) {
          const { id, email, name, role, sessionVersion } = decision.user;
          return { id, email, name, role, sessionVersion };
        }
        if (decision.reason === 'mfa-required') throw new MfaRequired(decision.challenge);
        if (decision.reason === 'challenge-expired') throw new ChallengeExpired();
        await new Promise((r) => setTimeout(r, FAILURE_DELAY_MS));
        if (decision.reason === 'locked') throw new AccountLocked();
        if (decision.reason === 'code-wrong') throw new CodeWrong();
        if (decision.reason === 'code-replayed') throw new CodeReplayed();
        throw new InvalidCredentials();
      },
    }),
  ],
  events: {
    async signOut(message) {
      const token = 'token' in message ? message.token : null;
      if (!token?.uid || !token.email) return;
      await writeAudit(getPrisma(), {
        actor: { id: String(token.uid), email: token.email },
        action: 'auth.signout',
        entityType: 'User',
        entityId: String(token.uid),
      });
    },
  },
} satisfies NextAuthConfig;
