import type { NextAuthConfig } from 'next-auth';
import { isRole } from './roles';

export const SESSION_MAX_AGE_SECONDS = Number(process.env.SESSION_MAX_AGE_SECONDS ?? 8 * 60 * 60);

/**
 * The part of the Auth.js configuration that needs no database or native code,
 * shared by the proxy (proxy.ts) and the full configuration in ./auth.ts.
 */
export const authConfig = {
  pages: { signIn: '/login' },
  session: { strategy: 'jwt', maxAge: SESSION_MAX_AGE_SECONDS },
  trustHost: true,
  providers: [],
  callbacks: {
    jwt({ token, user }) {
      if (user) {
        token.uid = user.id;
        token.role = (user as { role?: unknown }).role;
      }
      return token;
    },
    session({ session, token }) {
      const role = isRole(token.role) ? token.role : undefined;
      return {
        ...session,
        user: { ...session.user, id: String(token.uid ?? ''), role },
      };
    },
  },
} satisfies NextAuthConfig;
