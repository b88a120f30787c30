import NextAuth, { CredentialsSignin } from 'next-auth';
import Credentials from 'next-auth/providers/credentials';
import { z } from 'zod';
import { checkCredentials, recordSignIn } from '@/lib/db/users';
import { writeAudit } from '@/lib/db/audit';
import { getPrisma } from '@/lib/db/client';
import { authConfig } from './config';
import { requestMeta } from './request-meta';
import { consume } from '@/lib/security/rate-limit';

const credentialsSchema = z.object({
  email: z.string().trim().min(1).max(254),
  password: z.string().min(1).max(256),
});

class InvalidCredentials extends CredentialsSignin {
  code = 'invalid_credentials';
}

class AccountLocked extends CredentialsSignin {
  code = 'account_locked';
}

class RateLimited extends CredentialsSignin {
  code = 'rate_limited';
}

/** Failed attempts are answered slowly, so guessing is slow even before the lock. */
const FAILURE_DELAY_MS = 700;

export const { handlers, auth, signIn, signOut } = NextAuth({
  ...authConfig,
  logger: {
    // A wrong password is an expected outcome, already audited: keep it out of the error log.
    error(error) {
      if (error.name === 'CredentialsSignin' || (error as { type?: string }).type === 'CredentialsSignin') return;
      console.error(error);
    },
  },
  providers: [
    Credentials({
      credentials: { email: { label: 'E-mail', type: 'email' }, password: { label: 'Password', type: 'password' } },
      async authorize(raw, request) {
        const parsed = credentialsSchema.safeParse(raw);
        if (!parsed.success) throw new InvalidCredentials();
        const meta = requestMeta(request.headers);
        // Per client IP, before any password is tried (the per-account lock comes on top).
        const budget = await consume('signinIp', meta.ip ?? 'unknown');
        if (!budget.ok) throw new RateLimited();
        const result = await checkCredentials(parsed.data.email, parsed.data.password);
        await recordSignIn(result, parsed.data.email, meta);
        if (!result.ok) {
          await new Promise((r) => setTimeout(r, FAILURE_DELAY_MS));
          throw result.reason === 'locked' ? new AccountLocked() : new InvalidCredentials();
        }
        return result.user;
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
});
