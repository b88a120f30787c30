// No runtime import of 'next-auth' itself here (it pulls in next/server): the tests run this configuration
// through @auth/core's Auth() exactly as NextAuth() does (test/integration/sessions-cookies.test.ts).
import type { NextAuthConfig } from 'next-auth';
import { CredentialsSignin } from '@auth/core/errors';
import Credentials from 'next-auth/providers/credentials';
import { writeAudit } from '@/lib/server/db/audit';
import { getPrisma } from '@/lib/server/db/client';
import { authConfig, SESSION_MAX_AGE_SECONDS } from './config';
import { requestMeta } from '../server/http/request-meta';
import { consume } from '@/lib/server/rate-limit';
import { decideSignIn } from './signin';
import { deviceCookieFrom } from './device-cookie';
import { loggerFor } from '@/lib/server/observability/logger';

class InvalidCredentials extends CredentialsSignin {
  code = 'invalid_credentials';
}

/** Held back after repeated failures (lib/features/users/sign-in-throttle.ts): says for how long. */
export class SignInHeld extends CredentialsSignin {
  code = 'held';
  constructor(readonly retryAfterSeconds: number) {
    super();
  }
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

/** Failed and held-back attempts are answered slowly, so guessing is slow even before a hold. */
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
        // Requests per client IP, before any password or code is tried (the failure holds come on top).
        // Counted here only: the proxy does not spend this budget on /api/auth, so each attempt counts once.
        const budget = await consume('signinIp', meta.ip ?? 'unknown');
        if (!budget.ok) throw new RateLimited();
        const decision = await decideSignIn(raw, meta, undefined, { deviceCookie: deviceCookieFrom(request.headers.get('cookie')) });
        if (decision.ok) {
          const { id, email, name, role, sessionVersion } = decision.user;
          return { id, email, name, role, sessionVersion };
        }
        if (decision.reason === 'mfa-required') throw new MfaRequired(decision.challenge);
        if (decision.reason === 'challenge-expired') throw new ChallengeExpired();
        await new Promise((r) => setTimeout(r, FAILURE_DELAY_MS));
        if (decision.reason === 'throttled') throw new SignInHeld(decision.retryAfterSeconds);
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
      const userId = String(token.uid);
      const sid = typeof token.sid === 'string' ? token.sid : null;
      // The session ends on the server too: its id is refused until the token would have expired anyway.
      const expiresAt = new Date((Number(token.authTime) + SESSION_MAX_AGE_SECONDS) * 1000);
      await getPrisma().$transaction(async (tx) => {
        if (sid) {
          await tx.revokedSession.upsert({ where: { id: sid }, create: { id: sid, userId, expiresAt: Number.isFinite(expiresAt.getTime()) ? expiresAt : new Date(Date.now() + SESSION_MAX_AGE_SECONDS * 1000) }, update: {} });
        }
        await tx.revokedSession.deleteMany({ where: { expiresAt: { lt: new Date() } } });
        await writeAudit(tx, { actor: { id: userId, email: token.email! }, action: 'auth.signout', entityType: 'User', entityId: userId, after: { session: sid ? 'ended on the server' : 'cookie cleared' } });
      });
    },
  },
} satisfies NextAuthConfig;
