import type { NextAuthConfig } from 'next-auth';
import type { JWT } from 'next-auth/jwt';
import { isRole } from '../domain/roles';

/** Absolute lifetime of a session, counted from sign-in, whatever the activity. */
export const SESSION_MAX_AGE_SECONDS = Number(process.env.SESSION_MAX_AGE_SECONDS ?? 8 * 60 * 60);

/** A session unused this long ends (PAIDLINE_SESSION_IDLE_MINUTES, default 60). */
export function sessionIdleSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const minutes = Number(env.PAIDLINE_SESSION_IDLE_MINUTES ?? 60);
  return (minutes > 0 ? minutes : 60) * 60;
}

/** How often activity moves the token's last-seen time forward (and so re-issues the cookie). */
export const SESSION_TOUCH_SECONDS = 60;

/**
 * Whether a session token is past its idle timeout or its absolute lifetime. Tokens carry
 * `authTime` (sign-in) and `lastSeen` (last activity), both in seconds; a token without them is expired.
 */
export function sessionExpired(token: Pick<JWT, 'authTime' | 'lastSeen'> | Record<string, unknown>, now: number = Date.now()): boolean {
  const t = Math.floor(now / 1000);
  const authTime = Number(token.authTime);
  const lastSeen = Number(token.lastSeen);
  if (!Number.isFinite(authTime) || !Number.isFinite(lastSeen)) return true;
  return t - lastSeen > sessionIdleSeconds() || t - authTime > SESSION_MAX_AGE_SECONDS;
}

/**
 * The part of the Auth.js configuration that needs no database or native code,
 * shared by the proxy (proxy.ts) and the full configuration in ./auth.ts.
 *
 * Session cookies: HttpOnly, SameSite=Lax, and Secure with the __Secure- prefix when the request came
 * over HTTPS (directly or with X-Forwarded-Proto: https from the proxy in front; trustHost), which are
 * Auth.js's defaults, kept on purpose (test/integration/sessions-cookies.test.ts checks them).
 */
export const authConfig = {
  pages: { signIn: '/login' },
  session: { strategy: 'jwt', maxAge: SESSION_MAX_AGE_SECONDS },
  trustHost: true,
  providers: [],
  callbacks: {
    jwt({ token, user }) {
      const now = Math.floor(Date.now() / 1000);
      if (user) {
        const u = user as { role?: unknown; sessionVersion?: unknown };
        token.uid = user.id;
        token.role = u.role;
        token.sv = typeof u.sessionVersion === 'number' ? u.sessionVersion : undefined;
        token.authTime = now;
        token.lastSeen = now;
        // The session's own id: "Sign out" puts it on the server's deny list (RevokedSession), so a copy of the cookie dies too.
        token.sid = crypto.randomUUID();
        return token;
      }
      // Idle too long or signed in too long ago: the session ends (Auth.js clears the cookie).
      if (sessionExpired(token)) return null;
      if (now - Number(token.lastSeen) >= SESSION_TOUCH_SECONDS) token.lastSeen = now;
      return token;
    },
    session({ session, token }) {
      const role = isRole(token.role) ? token.role : undefined;
      return {
        ...session,
        user: {
          ...session.user,
          id: String(token.uid ?? ''),
          role,
          sessionVersion: typeof token.sv === 'number' ? token.sv : null,
          sessionId: typeof token.sid === 'string' ? token.sid : null,
        },
      };
    },
  },
} satisfies NextAuthConfig;
